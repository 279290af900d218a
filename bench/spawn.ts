/** Start a bench process and wait for the line that tells its port(s): `pattern` captures one or two port numbers. */
export async function spawnWithPorts(
  cmd: string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ port: number; port2: number; kill(): void }> {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const m = pattern.exec(text);
    if (m) return { port: Number(m[1]), port2: Number(m[2] ?? 0), kill: () => proc.kill() };
  }
  proc.kill();
  throw new Error(`no port from ${cmd.join(" ")}: ${text}`);
}

/** How HashScope's start line names the proxy port and the API port. */
export const HASHSCOPE_PORTS = /127\.0\.0\.1:(\d+) →.*http:\/\/127\.0\.0\.1:(\d+)/;
