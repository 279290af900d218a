/**
 * Mainnet block 881,423 (hash 0000000000000000000269d52c24ea451225613aab095d90d771d4e29aa96cdd, 2025-01-30), the
 * 256 Foundation's "Telehash" block, as a Stratum job. The coinbase bytes, merkle branches and header fields are the
 * block's own, as published in the test data of the Mujina miner firmware (job_source/test_blocks); the coinbase here
 * is its legacy (non-witness) serialization, which is what a pool sends in coinb1/coinb2 and what the txid hashes.
 * What a block explorer shows for it: height 881423, scriptSig text "Apollo" + "/mined by 256 Foundation/", two outputs:
 * 3.14616437 BTC (314,616,437 sats) to bc1qce93hy5rhg02s6aeu7mfdvxg76x66pqqtrvzs3 (P2WPKH, the 256 Foundation's
 * published donation address) and a 0-value OP_RETURN witness commitment.
 */
export const BLOCK_881423 = {
  height: 881_423,
  hash: "0000000000000000000269d52c24ea451225613aab095d90d771d4e29aa96cdd",
  coinb1: "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff3d030f730d000469c19a67",
  extranonce1: "04830cee",
  extranonce2: "220cf1ad",
  coinb2:
    "9a67b6600000000000000a41706f6c6c6f192f6d696e65642062792032353620466f756e646174696f6e2fffffffff0275aac01200000000160014c64b1b9283ba1ea86bb9e7b696b0c8f68dad04000000000000000000266a24aa21a9edb395560ab72068c2afb1d7e6c7db26b813482089d2c4d2471b9036c5e826140600000000",
  /** Header byte order. */
  merkle_branch: [
    "4282357ab0a2f4e8e562c8c5eae1d63b559068f9072374b72e26b88ac841908f",
    "c2bbae90d06f8025ade3516ca2e42d79318b6e56fccb9609df85a654a8341068",
    "cbb30084acbcb5ce6d5436e853bc612466df0c00702be6f51d47072f1a5d0480",
    "bb092e533f70b79246fc9e4bdc9b81ac8332e56f2651e3b237a150d6d807b081",
    "0d32959988733447cb340326a1fe4d3c2cff5d636e32a4e08c3fc5a234f6f6bc",
    "8ba3477940924a90067cff3dd30bc46916cf4c2f73fb6229b8f8197b83b6ddb9",
    "3fe97cc5dec1cddd66c9d3780888c145c12418590cd983c4871b1bf03fabbf9e",
    "bd1c6a3bcd0ebaa0eca54d9c802540f312c7705435601d776b4f59bb52cff67d",
    "8638c10190b8f4f558bafdbb57f46226c349a83f229f431143ae75e425fb5cbd",
    "6d6f4eae41cccb21a7c97ac496d9f89b8a4f772389b76f7691519dda38264221",
    "82dad7a1e2613af0e61f77f03d6208c83e72f917dade4235cc35e37ee3ad6e3f",
  ],
  /** Header byte order of the block's merkle root. */
  merkle_root: "76f63a35f1b8b5016d3eb0cce2eebbdf58bf8fbea4e870c8f770346bdfcf622d",
  /** Previous block hash, display order. */
  prevhash_display: "00000000000000000001543bc4d2b5e1434cb64af8995e21fe15ca708a6ac9e3",
  version: "2e596000",
  nbits: "17029a8a",
  ntime: "679ac169",
  nonce: "ff05fb02",
  payout_address: "bc1qce93hy5rhg02s6aeu7mfdvxg76x66pqqtrvzs3",
  payout_sats: 314_616_437,
} as const;
