import type { Subprocess } from "bun";

/** Child processes for the end-to-end fleet test: agents run as `bun agent/main.ts`, their output kept for assertions. */

const ROOT = `${import.meta.dir}/../..`;

export type AgentProcess = {
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

export function spawnAgent(id: string, env: Record<string, string>): AgentProcess {
  const proc = Bun.spawn([process.execPath, "agent/main.ts"], {
    cwd: ROOT,
    // Only what the agent needs: no inherited NOSTR_* or POOL_* from the developer's shell.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", AGENT_ID: id, ...env },
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
