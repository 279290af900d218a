import { expect, test } from "bun:test";
import { displayToStratumPrevhash, stratumPrevhashToDisplay } from "../../src/stratum/prevhash";

const stratum = "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000";
const display = "00000000440b921e1b77c6c0487ae5616de67f788f44ae2a5af6e2194d16b6f8";

test("prevhash: stratum order to display order (docs/protocol.md#test-vectors)", () => {
  expect(stratumPrevhashToDisplay(stratum)).toBe(display);
});

test("prevhash: display order back to stratum order", () => {
  expect(displayToStratumPrevhash(display)).toBe(stratum);
});
