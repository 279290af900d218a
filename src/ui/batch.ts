/**
 * Collect what an async source yields for `windowMs` after the first item, then hand it on as one batch, so a page
 * gets a few updates per second instead of one per message. Only the newest `keep` items of a window are kept (the
 * page shows no more than that anyway); `skipped` counts the rest.
 */
export type Batch<T> = { items: T[]; skipped: number };

export async function* batchWindow<T>(
  source: AsyncIterator<T[]>,
  windowMs: number,
  keep: number,
  signal: AbortSignal,
): AsyncGenerator<Batch<T>> {
  let next = source.next();
  try {
    while (!signal.aborted) {
      const first = await next;
      if (first.done) return;
      let items = first.value.slice();
      let skipped = 0;
      let ended = false;
      next = source.next();
      const deadline = performance.now() + windowMs;
      while (!signal.aborted) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        let timer: Timer | undefined;
        const r = await Promise.race([next, new Promise<null>((res) => (timer = setTimeout(() => res(null), left)))]);
        clearTimeout(timer);
        if (r === null) break;
        if (r.done) {
          ended = true;
          break;
        }
        items.push(...r.value);
        next = source.next();
        if (items.length > keep * 2) {
          skipped += items.length - keep;
          items = items.slice(-keep);
        }
      }
      if (items.length > keep) {
        skipped += items.length - keep;
        items = items.slice(-keep);
      }
      yield { items, skipped };
      if (ended) return;
    }
  } finally {
    await source.return?.(undefined);
  }
}
