/**
 * Bounded memo: the writer's caches of jobs, vocabulary ids and recent submits. It holds at most `max` entries in two
 * generations, and when the young one is full the old one is forgotten whole. Not a Map that deletes its oldest key
 * per insert: in Bun (JavaScriptCore) `map.keys().next()` steps over every deleted entry still in the table, so at
 * 16,384 entries each insert cost ~23 µs and at 100,000 ~95 µs (400,000 inserts in a loop), and the writer spent a
 * sixth of its time evicting recent submits.
 */
export class Memo<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }

  get(k: K): V | undefined {
    const v = this.young.get(k);
    return v !== undefined || this.young.has(k) ? v : this.old.get(k);
  }

  set(k: K, v: V): void {
    if (this.young.size >= this.half && !this.young.has(k)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(k, v);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
