import { z } from "zod";
import { NETWORK, TEST_NETWORK } from "@scure/btc-signer";

type BTC_NETWORK = typeof NETWORK;

/** Which Bitcoin network's address prefixes HashScope uses (`BITCOIN_NETWORK`). */
export const BitcoinNetwork = z.enum(["mainnet", "testnet", "signet", "regtest"]);
export type BitcoinNetwork = z.infer<typeof BitcoinNetwork>;

/** Address parameters per network: signet shares testnet's; regtest differs only in its bech32 prefix. */
export const NETWORK_PARAMS: Record<BitcoinNetwork, BTC_NETWORK> = {
  mainnet: NETWORK,
  testnet: TEST_NETWORK,
  signet: TEST_NETWORK,
  regtest: { ...TEST_NETWORK, bech32: "bcrt" },
};
