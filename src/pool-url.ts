import type { Upstream } from "./capture/records";

/**
 * POOL_HOST accepts `host`, `host:port`, `[v6]:port`, `stratum+tcp://host[:port]`, `stratum+ssl://host[:port]`,
 * `stratum+tls://`, `ssl://`, `tls://` and `tcp://`. A port written in POOL_HOST wins over POOL_PORT.
 * Returns an error string instead of throwing so config validation can name the variable.
 */
export function parsePoolHost(value: string, defaultPort: number): Upstream | string {
  const text = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  let tls = false;
  let rest = text;
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (["stratum+ssl", "stratum+tls", "ssl", "tls"].includes(name)) tls = true;
    else if (!["stratum+tcp", "tcp", "stratum"].includes(name)) return `unsupported scheme "${name}://" (use stratum+tcp:// or stratum+ssl://)`;
    rest = text.slice(scheme[0].length);
  }
  rest = rest.replace(/\/.*$/, "");
  if (rest.includes("@")) return "must not contain credentials; set the worker in your miner";
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const parts = rest.split(":");
    if (parts.length > 2) return "an IPv6 address must be written in brackets, e.g. [::1]:3333";
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host) return "has no host name";
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) return `has an invalid host name "${host}"`;
  let port = defaultPort;
  if (portText !== undefined) {
    const n = Number(portText);
    if (portText === "" || !Number.isInteger(n) || n < 1 || n > 65535) return `has an invalid port "${portText}"`;
    port = n;
  }
  return { host, port, tls };
}
