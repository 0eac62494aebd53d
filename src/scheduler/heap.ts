/**
 * A binary min-heap whose items know their own position, so an item whose key changed can be
 * moved (`update`) or taken out (`delete`) in O(log n). The frontier keeps its ready slots and
 * its time-blocked slots in two of these.
 */
export interface HeapNode {
  /** Position in the heap, -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class IndexedHeap<T extends HeapNode> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** `before(a, b)` is true when `a` must come out before `b`. */
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.#items[item.heapIndex] === item;
  }

  /** Insert the item, or restore its position if it is already in and its key changed. */
  update(item: T): void {
    if (this.has(item)) {
      this.#siftUp(item.heapIndex);
      this.#siftDown(item.heapIndex);
      return;
    }
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#siftUp(item.heapIndex);
  }

  delete(item: T): void {
    if (!this.has(item)) return;
    const index = item.heapIndex;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.#items[index] = last;
    last.heapIndex = index;
    this.#siftUp(index);
    this.#siftDown(last.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top) this.delete(top);
    return top;
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i]!;
    const b = this.#items[j]!;
    this.#items[i] = b;
    this.#items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  #siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(this.#items[index]!, this.#items[parent]!)) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(index: number): void {
    const n = this.#items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) return;
      const right = left + 1;
      let first = left;
      if (right < n && this.#before(this.#items[right]!, this.#items[left]!)) first = right;
      if (!this.#before(this.#items[first]!, this.#items[index]!)) return;
      this.#swap(index, first);
      index = first;
    }
  }
}

/** A plain priority queue on top of IndexedHeap, for values that are not nodes themselves. */
export class PriorityQueue<V> {
  readonly #heap: IndexedHeap<{ heapIndex: number; value: V; key: number; seq: number }>;
  #seq = 0;

  /** Smallest key first; equal keys in insertion order (FIFO). */
  constructor() {
    this.#heap = new IndexedHeap((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
  }

  get size(): number {
    return this.#heap.size;
  }

  push(value: V, key: number): void {
    this.#heap.update({ heapIndex: -1, value, key, seq: this.#seq++ });
  }

  peekKey(): number | undefined {
    return this.#heap.peek()?.key;
  }

  peek(): V | undefined {
    return this.#heap.peek()?.value;
  }

  pop(): V | undefined {
    return this.#heap.pop()?.value;
  }
}
