import { randomBytes } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";

/**
 * Who may use the UI and API, decided once at start from API_HOST, API_AUTH and API_TOKEN (see SECURITY.md):
 * - a token (API_TOKEN, or one generated and printed as a login URL when none is set) unless API_HOST is loopback;
 * - open on loopback (only this machine's users reach it), or open anywhere with API_AUTH=none (warned at every start).
 * The allowed Host: names (DNS-rebinding guard) are decided here too.
 */

export type AccessInput = {
  host: string;
  auth: "auto" | "token" | "none";
  token: string | undefined;
  allowedHosts: string[] | undefined;
};

export type Access = {
  /** The token every request needs; null when the API is open. */
  token: string | null;
  /** Generated at this start (nothing was configured): printed once as a login URL. */
  tokenGenerated: boolean;
  /** Why there is no token: loopback-only, or the operator's explicit API_AUTH=none. */
  open: "loopback" | "opt-out" | null;
  /** Host names (lower case, no port, v6 in brackets) requests may name; ["*"] allows any. */
  allowedHosts: string[];
};

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

export const isLoopbackHost = (h: string): boolean => {
  const x = h.toLowerCase().replace(/^\[|\]$/g, "");
  return x === "localhost" || x === "::1" || /^127(\.\d{1,3}){3}$/.test(x);
};

export const isWildcardHost = (h: string): boolean => h === "0.0.0.0" || h === "::" || h === "" || h === "[::]";

/** `[v6]` for IPv6 literals, as they appear in a Host: header. */
const asHostName = (h: string): string => (h.includes(":") && !h.startsWith("[") ? `[${h}]` : h).toLowerCase();

/** On a wildcard API_HOST: this machine's own names and addresses (an IP literal cannot be rebound by DNS). */
function ownNames(): string[] {
  const out = [hostname()];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address.split("%")[0]!);
  return out;
}

export const generateToken = (): string => randomBytes(32).toString("base64url");

export function resolveAccess(i: AccessInput): Access {
  const open = i.auth === "none" ? "opt-out" : i.auth === "auto" && !i.token && isLoopbackHost(i.host) ? "loopback" : null;
  const token = open ? null : (i.token ?? generateToken());
  const defaults = [...LOOPBACK_NAMES, ...(isWildcardHost(i.host) ? ownNames() : [i.host])];
  const allowedHosts = [...new Set((i.allowedHosts ?? defaults).map(asHostName))];
  return { token, tokenGenerated: token !== null && !i.token, open, allowedHosts };
}

/** The host name of a Host: header value, lower case, port removed (`[v6]:p` → `[v6]`). */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

export const hostAllowed = (a: Pick<Access, "allowedHosts">, header: string | null): boolean =>
  a.allowedHosts.includes("*") || (header !== null && a.allowedHosts.includes(hostOf(header)));

/**
 * What the log says about access at start: the login URL of a generated token (once, like Jupyter), and a loud
 * warning at every start when the API is open beyond this machine.
 */
export function accessLines(a: Access, apiHost: string, port: number): string[] {
  const shown = isWildcardHost(apiHost) ? hostname() : apiHost.includes(":") && !apiHost.startsWith("[") ? `[${apiHost}]` : apiHost;
  const base = `http://${shown}:${port}`;
  if (a.open === "opt-out") {
    const where = isLoopbackHost(apiHost) ? "to every local user of this machine" : `to anyone who reaches ${apiHost}:${port}`;
    return [
      "WARNING: API_AUTH=none: the UI and API are open without a token " + where + ": they can read every captured",
      "WARNING: message, disconnect miners and replay shares. Unset API_AUTH (or set API_TOKEN) to require a token.",
    ];
  }
  if (a.open === "loopback") return [`access: no token needed on loopback (${apiHost}); API_TOKEN or API_AUTH=token requires one`];
  const hosts = a.allowedHosts.includes("*") ? "any Host" : `Host ${a.allowedHosts.join(", ")}`;
  if (a.tokenGenerated)
    return [
      `access: token required (generated at this start; set API_TOKEN to keep one across restarts); answering ${hosts}`,
      `  sign in: ${base}/login?token=${a.token}`,
      `  curl:    curl -H "Authorization: Bearer ${a.token}" ${base}/api/sessions`,
    ];
  return [`access: API_TOKEN required (Authorization: Bearer, or sign in at ${base}/login); answering ${hosts}`];
}
