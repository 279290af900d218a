import type { Hub } from "../capture/hub";

/**
 * Yields at most once per `gapMs` after something matching `pick` happened (no queue: a flag, so bursts cost
 * nothing). With `every`, it also yields every `gapMs` when nothing changed; the value says whether anything did.
 */
export async function* changes<T>(
  hub: Hub<T>,
  pick: (v: T) => boolean,
  gapMs: number,
  signal: AbortSignal,
  every = false,
): AsyncGenerator<boolean> {
  let dirty = false;
  let wake: (() => void) | null = null;
  const off = hub.on((v) => {
    if (!dirty && pick(v)) {
      dirty = true;
      wake?.();
    }
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      if (!dirty && !every) await new Promise<void>((r) => (wake = r));
      wake = null;
      if (signal.aborted) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, gapMs);
        wake = () => {
          if (signal.aborted) {
            clearTimeout(t);
            r();
          }
        };
      });
      wake = null;
      if (signal.aborted) return;
      const changed = dirty;
      dirty = false;
      yield changed;
    }
  } finally {
    off();
    signal.removeEventListener("abort", onAbort);
  }
}

export type Tagged<A, B> = { from: "a"; value: A } | { from: "b"; value: B };

/** Interleave two async sources in arrival order; ends when either ends. */
export async function* merge2<A, B>(a: AsyncIterator<A>, b: AsyncIterator<B>): AsyncGenerator<Tagged<A, B>> {
  const nextA = () => a.next().then((r) => ({ from: "a" as const, r }));
  const nextB = () => b.next().then((r) => ({ from: "b" as const, r }));
  let pa = nextA();
  let pb = nextB();
  try {
    while (true) {
      const w = await Promise.race([pa, pb]);
      if (w.r.done) return;
      if (w.from === "a") {
        pa = nextA();
        yield { from: "a", value: w.r.value as A };
      } else {
        pb = nextB();
        yield { from: "b", value: w.r.value as B };
      }
    }
  } finally {
    await Promise.allSettled([a.return?.(undefined), b.return?.(undefined)]);
  }
}
