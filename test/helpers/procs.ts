import type { Subprocess } from "bun";

/** Child processes (agents, HashScope itself) run as `bun <script>`, their output kept for assertions. */

const ROOT = `${import.meta.dir}/../..`;

export type ChildProcess = {
  readonly id: string;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. Safe to call twice. */
  stop(graceMs?: number): Promise<number>;
};

async function collect(stream: ReadableStream<Uint8Array>, sink: (s: string) => void): Promise<void> {
  const dec = new TextDecoder();
  try {
    for await (const chunk of stream) sink(dec.decode(chunk, { stream: true }));
  } catch {
    // The child was killed mid-write; what arrived is kept.
  }
}

export const spawnAgent = (id: string, env: Record<string, string>): ChildProcess => spawnScript(id, ["agent/main.ts"], { AGENT_ID: id, ...env });

/** `bun run start` as a child, on loopback with ephemeral ports; `ports` reads them from its start line. */
export const spawnHashScope = (id: string, env: Record<string, string>): ChildProcess =>
  spawnScript(id, ["src/main.ts"], { LISTEN_HOST: "127.0.0.1", LISTEN_PORT: "0", API_HOST: "127.0.0.1", API_PORT: "0", ...env });

/** The proxy and API ports a spawned HashScope printed, once it has (bounded wait). */
export async function hashScopePorts(child: ChildProcess, timeoutMs = 10_000): Promise<{ proxy: number; api: number }> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const m = /miners → [^ ]+:(\d+) → .*UI and API on http:\/\/[^/]+:(\d+)\//.exec(child.output());
    if (m) return { proxy: Number(m[1]), api: Number(m[2]) };
    if (performance.now() > end || child.proc.exitCode !== null) throw new Error(`HashScope did not start:\n${child.output()}`);
    await Bun.sleep(20);
  }
}

/** `bun <args>` in `cwd` (the checkout by default), e.g. `["run", "start"]` or `["agent/main.ts"]`. */
export function spawnScript(id: string, args: string[], env: Record<string, string>, cwd = ROOT): ChildProcess {
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd,
    // Only what the program needs: no inherited NOSTR_*, POOL_* or DATABASE_URL from the developer's shell.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  void collect(proc.stdout, (s) => (text += s));
  void collect(proc.stderr, (s) => (text += s));
  return {
    id,
    proc,
    output: () => text,
    async stop(graceMs = 3000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Occurrences of `needle` in `text`. */
export const countOf = (text: string, needle: string): number => text.split(needle).length - 1;
