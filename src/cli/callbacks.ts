/**
 * Running one spider callback on one response, in-process, for `parse` and `check`: the
 * callback is looked up by name as the engine does, and its outputs are split into items and
 * requests.
 */
import { ConfigError } from '../errors.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { InProcessRunner } from '../parse/in-process.js';
import { eachOutput } from '../spider/callback.js';
import { Spider } from '../spider/spider.js';

/** The methods a spider could name as a callback: its own and inherited ones, but not Spider's plumbing. */
export function spiderMethods(spider: Spider): string[] {
  const names = new Set<string>();
  // Spider's own plumbing (start, request, follow, opened, closed...) is not a callback to offer.
  const hidden = new Set(Object.getOwnPropertyNames(Spider.prototype).filter((name) => name !== 'parse'));
  for (let proto: object | null = Object.getPrototypeOf(spider) as object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (typeof descriptor.value === 'function' && !hidden.has(name) && !name.startsWith('_')) names.add(name);
    }
  }
  return [...names].sort();
}

/** Throws `ERR_CALLBACK_NOT_FOUND` naming the spider's methods when `name` is not one of them. */
export function requireCallback(spider: Spider, name: string): void {
  if (typeof (spider as unknown as Record<string, unknown>)[name] === 'function') return;
  throw new ConfigError('ERR_CALLBACK_NOT_FOUND', `spider "${spider.name}" has no method "${name}"`, {
    hint: `its methods: ${spiderMethods(spider).join(', ')}`,
  });
}

export interface CallbackOutputs {
  items: Record<string, unknown>[];
  requests: Request[];
}

/** Runs `response.request.callback` (default `parse`) and collects what it yields. */
export async function runCallback(spider: Spider, response: Response): Promise<CallbackOutputs> {
  const runner = new InProcessRunner(spider);
  const out: CallbackOutputs = { items: [], requests: [] };
  try {
    await eachOutput(runner.callback(response), (output) => {
      if (Request.isRequest(output)) out.requests.push(output as Request);
      else out.items.push(output as Record<string, unknown>);
      return undefined;
    });
  } finally {
    await runner.close();
  }
  return out;
}
