import { startSimMiner, type SimMiner, type SimMinerOptions } from "../sim/miner";

/** The demo's simulated miners: each restarts after a short pause when its session ends (e.g. Disconnect in the UI). */
export type DemoMinerSpec = Pick<SimMinerOptions, "worker" | "userAgent" | "badShareRatio" | "maxHashesPerSecond">;

export const DEMO_MINERS: DemoMinerSpec[] = [
  { worker: "alice.rig1", userAgent: "cgminer/4.12.1", badShareRatio: 0.05, maxHashesPerSecond: 60_000 },
  { worker: "bob.s19", userAgent: "bmminer/2.0.0", badShareRatio: 0.08, maxHashesPerSecond: 45_000 },
  { worker: "carol.bitaxe", userAgent: "bitaxe/2.4.0", badShareRatio: 0.03, maxHashesPerSecond: 35_000 },
  { worker: "dave.nerdminer", userAgent: "NerdMiner/1.6", badShareRatio: 0.1, maxHashesPerSecond: 25_000 },
];

const RESTART_MS = 3000;

export type DemoFleet = { readonly miners: readonly (SimMiner | null)[]; stop(): Promise<void> };

export function startDemoMiners(host: string, port: number, specs: DemoMinerSpec[] = DEMO_MINERS): DemoFleet {
  let running = true;
  const current: (SimMiner | null)[] = specs.map(() => null);
  const timers = new Set<Timer>();
  const launch = (i: number) => {
    if (!running) return;
    const m = startSimMiner({ host, port, ...specs[i]! });
    current[i] = m;
    m.ready.catch(() => {}); // a failed handshake ends in `done` too
    void m.done.then(() => {
      if (!running) return;
      const t = setTimeout(() => {
        timers.delete(t);
        launch(i);
      }, RESTART_MS);
      timers.add(t);
    });
  };
  specs.forEach((_, i) => launch(i));
  return {
    miners: current,
    async stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled(current.map((m) => m?.stop()));
    },
  };
}
