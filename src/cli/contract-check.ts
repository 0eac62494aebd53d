/** Verifying what a callback yielded against its contract (`crawl check`). */
import type { Contract, Contracts, CountRange } from '../spider/contracts.js';
import type { CallbackOutputs } from './callbacks.js';

/** One contract of one spider callback. */
export interface ContractCase {
  callback: string;
  contract: Contract;
}

/** Every (callback, contract) of a spider's `static contracts`, in declaration order. */
export function contractCases(contracts: Contracts | undefined): ContractCase[] {
  const cases: ContractCase[] = [];
  for (const [callback, value] of Object.entries(contracts ?? {})) {
    for (const contract of Array.isArray(value) ? (value as readonly Contract[]) : [value as Contract]) cases.push({ callback, contract });
  }
  return cases;
}

function bounds(range: CountRange): [number, number] {
  if (typeof range === 'number') return [range, range];
  return [range[0], range[1] ?? Infinity];
}

function checkCount(what: string, count: number, range: CountRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  const [min, max] = bounds(range);
  if (count >= min && count <= max) return undefined;
  const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  return `expected ${expected} ${what}, got ${count}`;
}

/** The reasons the outputs break the contract; empty when they keep it. */
export function contractFailures(contract: Contract, outputs: CallbackOutputs): string[] {
  const failures: string[] = [];
  const items = checkCount('items', outputs.items.length, contract.returns?.items);
  if (items) failures.push(items);
  const requests = checkCount('requests', outputs.requests.length, contract.returns?.requests);
  if (requests) failures.push(requests);
  for (const field of contract.scrapes ?? []) {
    const missing = outputs.items.findIndex((item) => item[field] === undefined || item[field] === null);
    if (missing >= 0) failures.push(`item ${missing + 1} of ${outputs.items.length} has no "${field}"`);
  }
  return failures;
}
