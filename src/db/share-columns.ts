import { isRecord } from "../stratum/json";
import type { MessageRow } from "./rows";

/**
 * decoded.share, which records carried before analysis/ replaced it (older exports still do), as the share columns of
 * a row: an ok share compactly (its hash as 32 bytes), anything else as JSON text.
 */

export type ShareColumns = Pick<
  MessageRow,
  "share_difficulty" | "share_meets_target" | "share_block_candidate" | "share_hash" | "share_target" | "share_network" | "share_json"
>;
export const NO_SHARE: ShareColumns = {
  share_difficulty: null,
  share_meets_target: null,
  share_block_candidate: null,
  share_hash: null,
  share_target: null,
  share_network: null,
  share_json: null,
};

/** decoded.share (what records carried before analysis/ replaced it; older exports still do) as columns; an ok share compactly, anything else as JSON text. */
export function shareToColumns(share: unknown): ShareColumns {
  const sh = isRecord(share) ? share : null;
  if (sh?.ok !== true) return { ...NO_SHARE, share_json: JSON.stringify(share) ?? "null" };
  const cols: ShareColumns = {
    share_difficulty: typeof sh.difficulty === "number" && Number.isFinite(sh.difficulty) ? sh.difficulty : null,
    share_meets_target: sh.meets_target === true ? 1 : 0,
    share_block_candidate: sh.block_candidate === true ? 1 : 0,
    share_hash: typeof sh.hash === "string" && /^[0-9a-f]{64}$/.test(sh.hash) ? Buffer.from(sh.hash, "hex") : null,
    share_target: typeof sh.target_difficulty === "number" ? sh.target_difficulty : null,
    share_network: typeof sh.network_difficulty === "number" ? sh.network_difficulty : null,
    share_json: null,
  };
  // Only when the columns give back exactly this object; otherwise keep its text (the filters still use the columns).
  return JSON.stringify(shareOfColumns(cols)) === JSON.stringify(share) ? cols : { ...cols, share_json: JSON.stringify(share) };
}

export function shareOfColumns(c: ShareColumns): unknown {
  if (c.share_json !== null) return JSON.parse(c.share_json);
  return {
    ok: true,
    hash: c.share_hash ? Buffer.from(c.share_hash).toString("hex") : null,
    difficulty: c.share_difficulty,
    target_difficulty: c.share_target,
    meets_target: c.share_meets_target === 1,
    network_difficulty: c.share_network,
    block_candidate: c.share_block_candidate === 1,
  };
}

