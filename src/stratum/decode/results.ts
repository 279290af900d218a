import { z } from "zod";
import { hex, hex4, sizeInt } from "./common";

/** Results of successful Stratum v1 responses, keyed by the method of the request they answer. */

const SubscriptionPair = z.tuple([z.string(), z.union([z.string(), z.number(), z.null()])], z.unknown());

/** Pools send a list of [method, id] pairs, or (some) a single flat pair. */
const Subscriptions = z.union([SubscriptionPair.transform((p) => [p]), z.array(SubscriptionPair)]);

export const SubscribeResult = z
  .tuple([Subscriptions, hex(), sizeInt], z.unknown())
  .transform(([pairs, extranonce1, extranonce2_size]) => ({
    subscriptions: pairs.map(([method, id]) => ({ method, id })),
    extranonce1,
    extranonce2_size,
  }));

/** BIP310: each requested extension answers true/false, or an error string. */
const ExtensionAnswer = z.union([z.boolean(), z.string()]).optional();
const EXTENSIONS = ["version-rolling", "minimum-difficulty", "subscribe-extranonce", "info"] as const;

export const ConfigureResult = z
  .looseObject({
    "version-rolling": ExtensionAnswer,
    "version-rolling.mask": hex4.optional(),
    "minimum-difficulty": ExtensionAnswer,
    "subscribe-extranonce": ExtensionAnswer,
    info: ExtensionAnswer,
  })
  .transform((r) => {
    const flag = (v: boolean | string | undefined): boolean | null => (v === undefined ? null : v === true);
    const extension_errors: Record<string, string> = {};
    for (const name of EXTENSIONS) {
      const v = r[name];
      if (typeof v === "string") extension_errors[name] = v;
    }
    return {
      version_rolling: flag(r["version-rolling"]),
      version_rolling_mask: r["version-rolling.mask"] ?? null,
      minimum_difficulty: flag(r["minimum-difficulty"]),
      subscribe_extranonce: flag(r["subscribe-extranonce"]),
      info: flag(r.info),
      extension_errors,
    };
  });

export const GetVersionResult = z.string().transform((version) => ({ version }));

/** Methods whose success is a plain boolean; the outcome says it all. */
export const BooleanResult = z.boolean().transform(() => ({}));

export type SubscribeResponse = z.infer<typeof SubscribeResult>;
export type ConfigureResponse = z.infer<typeof ConfigureResult>;
export type GetVersionResponse = z.infer<typeof GetVersionResult>;

export const RESULT_SCHEMAS = {
  "mining.subscribe": SubscribeResult,
  "mining.configure": ConfigureResult,
  "client.get_version": GetVersionResult,
  "mining.authorize": BooleanResult,
  "mining.submit": BooleanResult,
  "mining.extranonce.subscribe": BooleanResult,
  "mining.suggest_difficulty": BooleanResult,
} as const satisfies Record<string, z.ZodType>;
