/** Everything an iterable yields, in order (spider callbacks, a runner's `OutputStream`), promises awaited. */
export async function collect<T>(iterable: AsyncIterable<T> | Iterable<T> | Promise<Iterable<T>>): Promise<Awaited<T>[]> {
  const all: Awaited<T>[] = [];
  for await (const value of iterable instanceof Promise ? await iterable : iterable) all.push(value);
  return all;
}
