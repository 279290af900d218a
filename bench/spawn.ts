/** Start a bench process and wait for the line that tells its port(s): `pattern` captures one or two port numbers. */
export async function spawnWithPorts(
  cmd: string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ port: number; port2: number; pid: number; kill(): void }> {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const m = pattern.exec(text);
    if (m) return { port: Number(m[1]), port2: Number(m[2] ?? 0), pid: proc.pid, kill: () => proc.kill() };
  }
  proc.kill();
  throw new Error(`no port from ${cmd.join(" ")}: ${text}`);
}

/** How HashScope's start line names the proxy port and the API port. */
const HASHSCOPE_PORTS = /127\.0\.0\.1:(\d+) →.*http:\/\/127\.0\.0\.1:(\d+)/;

/** HashScope (`src/main.ts`) on loopback with ephemeral ports in front of `poolPort`; `port` is the proxy, `port2` the API. */
export const spawnHashScope = (poolPort: number, env: Record<string, string>) =>
  spawnWithPorts(
    ["bun", "run", "src/main.ts"],
    { POOL_HOST: `127.0.0.1:${poolPort}`, LISTEN_HOST: "127.0.0.1", LISTEN_PORT: "0", API_HOST: "127.0.0.1", API_PORT: "0", ...env },
    HASHSCOPE_PORTS,
  );

/** One of the bench "pools" (`bench/echo-server.ts`, `bench/answer-server.ts`), which print `port N`. */
export const spawnBenchPool = (script: string, args: string[] = []) => spawnWithPorts(["bun", "run", script, ...args], {}, /port (\d+)/);
