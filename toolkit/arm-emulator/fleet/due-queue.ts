// What falls due next, cheapest first: a binary heap, so finding what is due costs the log of what is
// waiting, not a walk of everything. The fleet keeps its operations and its machines' next changes in these.

/** Items in the order `before` puts them: `peek` and `pop` give the first. */
export class DueQueue<T> {
  private readonly items: T[] = [];

  /** @param before whether `a` comes out before `b` */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index]!, items[parent]!)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const first = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.sinkFrom(0);
    }
    return first;
  }

  private sinkFrom(start: number): void {
    const items = this.items;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let first = index;
      if (left < items.length && this.before(items[left]!, items[first]!)) first = left;
      if (right < items.length && this.before(items[right]!, items[first]!)) first = right;
      if (first === index) return;
      this.swap(index, first);
      index = first;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const held = items[a]!;
    items[a] = items[b]!;
    items[b] = held;
  }
}
