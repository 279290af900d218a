import { z } from "zod";
import { stratumPrevhashToDisplay } from "../prevhash";
import { hex, hex4, hex32, noParams, portLike, positional, positiveNumber, sizeInt } from "./common";

/** Params of Stratum v1 requests and notifications (docs/protocol.md#methods), one schema per method, each producing its decoded view. */

const str = z.string();
const orNull = <T>(v: T | null | undefined): T | null => v ?? null;
const numberLike = z.union([z.number().finite().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);

export const SubscribeParams = positional([
  str.nullish(),
  str.nullish(),
  str.nullish(),
  portLike.nullish(),
]).transform(([user_agent, session_id, host, port]) => ({
  user_agent: orNull(user_agent),
  session_id: orNull(session_id),
  host: orNull(host),
  port: orNull(port),
}));

export const AuthorizeParams = positional([str, str.nullish()]).transform(([worker, password]) => ({
  worker,
  password: orNull(password),
}));

/** BIP310 extension parameters; unknown keys are kept in `json` only. */
const ConfigureOptions = z.looseObject({
  "version-rolling.mask": hex4.optional(),
  "version-rolling.min-bit-count": sizeInt.optional(),
  "minimum-difficulty.value": z.number().finite().nonnegative().optional(),
  "info.connection-url": str.optional(),
  "info.hw-version": str.optional(),
  "info.sw-version": str.optional(),
  "info.hw-id": str.optional(),
});

export const ConfigureParams = positional([z.array(str), ConfigureOptions.optional()]).transform(([extensions, o]) => {
  const opts = o ?? {};
  const hasInfo = extensions.includes("info");
  return {
    extensions,
    version_rolling_mask: orNull(opts["version-rolling.mask"]),
    version_rolling_min_bit_count: orNull(opts["version-rolling.min-bit-count"]),
    minimum_difficulty: orNull(opts["minimum-difficulty.value"]),
    subscribe_extranonce: extensions.includes("subscribe-extranonce"),
    info: hasInfo
      ? {
          connection_url: orNull(opts["info.connection-url"]),
          hw_version: orNull(opts["info.hw-version"]),
          sw_version: orNull(opts["info.sw-version"]),
          hw_id: orNull(opts["info.hw-id"]),
        }
      : null,
  };
});

export const NotifyParams = positional([str, hex32, hex(), hex(), z.array(hex32), hex4, hex4, hex4, z.boolean()]).transform(
  ([job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime, clean_jobs]) => ({
    job_id,
    prevhash,
    prevhash_display: stratumPrevhashToDisplay(prevhash),
    coinb1,
    coinb2,
    merkle_branch,
    version,
    nbits,
    ntime,
    clean_jobs,
  }),
);

export const SubmitParams = positional([str, str, hex(), hex4, hex4, hex4.nullish()]).transform(
  ([worker, job_id, extranonce2, ntime, nonce, version_bits]) => ({
    worker,
    job_id,
    extranonce2,
    ntime,
    nonce,
    version_bits: orNull(version_bits),
  }),
);

export const SetDifficultyParams = positional([positiveNumber]).transform(([difficulty]) => ({ difficulty }));
export const SuggestDifficultyParams = positional([positiveNumber]).transform(([difficulty]) => ({ difficulty }));

export const SetExtranonceParams = positional([hex(), sizeInt]).transform(([extranonce1, extranonce2_size]) => ({
  extranonce1,
  extranonce2_size,
}));

export const SetVersionMaskParams = positional([hex4]).transform(([version_mask]) => ({ version_mask }));

export const ReconnectParams = positional([str.nullish(), portLike.nullish(), numberLike.nullish()]).transform(
  ([host, port, wait]) => ({ host: orNull(host), port: orNull(port), wait_seconds: orNull(wait) }),
);

export const ShowMessageParams = positional([str]).transform(([message]) => ({ message }));

export const EmptyParams = noParams.transform(() => ({}));

export type SubscribeRequest = z.infer<typeof SubscribeParams>;
export type AuthorizeRequest = z.infer<typeof AuthorizeParams>;
export type ConfigureRequest = z.infer<typeof ConfigureParams>;
export type Notify = z.infer<typeof NotifyParams>;
export type Submit = z.infer<typeof SubmitParams>;
export type SetDifficulty = z.infer<typeof SetDifficultyParams>;
export type SetExtranonce = z.infer<typeof SetExtranonceParams>;
export type SetVersionMask = z.infer<typeof SetVersionMaskParams>;
export type Reconnect = z.infer<typeof ReconnectParams>;
export type ShowMessage = z.infer<typeof ShowMessageParams>;

/** Schema and positional field names (for error text) per method. */
export const REQUEST_SCHEMAS = {
  "mining.subscribe": { schema: SubscribeParams, names: ["user_agent", "session_id", "host", "port"] },
  "mining.authorize": { schema: AuthorizeParams, names: ["worker", "password"] },
  "mining.configure": { schema: ConfigureParams, names: ["extensions", "extension parameters"] },
  "mining.notify": {
    schema: NotifyParams,
    names: ["job_id", "prevhash", "coinb1", "coinb2", "merkle_branch", "version", "nbits", "ntime", "clean_jobs"],
  },
  "mining.submit": { schema: SubmitParams, names: ["worker", "job_id", "extranonce2", "ntime", "nonce", "version_bits"] },
  "mining.set_difficulty": { schema: SetDifficultyParams, names: ["difficulty"] },
  "mining.set_extranonce": { schema: SetExtranonceParams, names: ["extranonce1", "extranonce2_size"] },
  "mining.extranonce.subscribe": { schema: EmptyParams, names: [] },
  "mining.set_version_mask": { schema: SetVersionMaskParams, names: ["version_mask"] },
  "mining.suggest_difficulty": { schema: SuggestDifficultyParams, names: ["difficulty"] },
  "client.reconnect": { schema: ReconnectParams, names: ["host", "port", "wait"] },
  "client.show_message": { schema: ShowMessageParams, names: ["message"] },
  "client.get_version": { schema: EmptyParams, names: [] },
} as const satisfies Record<string, { schema: z.ZodType; names: readonly string[] }>;
