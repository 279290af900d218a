/**
 * What the agent fleet page shows per agent. The Nostr work fills it (from telemetry/share events); until then the
 * page renders its empty state. Plain data so any source can provide it.
 */
export type AgentSummary = {
  /** Agent public key, hex. */
  pubkey: string;
  name: string | null;
  online: boolean;
  /** ISO 8601 UTC of the last event seen. */
  last_seen: string | null;
  hashrate_hs: number | null;
  shares_accepted: number;
  shares_rejected: number;
  /** Free text from the agent (version, host); escaped like all outside text. */
  detail: string | null;
};

export type AgentSource = () => AgentSummary[];

export const noAgents: AgentSource = () => [];
