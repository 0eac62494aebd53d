/** The q-quantile (0..1) of values already sorted ascending, by nearest rank; 0 when empty. */
export function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The q-quantile (0..1) of the values, by nearest rank. Sorts a copy. */
export function percentile(values: readonly number[], q: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), q);
}
