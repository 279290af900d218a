/** Bounded memo (insertion order): the writer's caches of jobs and vocabulary ids. */
export class Memo<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    return this.map.get(k);
  }
  clear(): void {
    this.map.clear();
  }
  set(k: K, v: V): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, v);
  }
}
