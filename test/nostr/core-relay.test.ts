import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateSecretKey } from "nostr-tools/pure";
import { buildTelemetryEvent, runFilter } from "../../src/nostr/events.ts";
import { RawClient, spawnRelay, telemetryContent, type RelayProcess } from "./helpers.ts";

/**
 * What a third-party relay (@nostr-relay/core from npm, as a child process) does with our filters: why the run scope is a
 * single-letter label and why every receiver checks the run itself. See docs/nostr.md.
 */

const OURS = "core-run-ours";
let relay: RelayProcess;
let client: RawClient;
beforeAll(async () => {
  relay = await spawnRelay(0, "nostr-relay-core");
  client = await RawClient.open(relay.url);
});
afterAll(async () => {
  client?.close();
  await relay?.stop();
});

const publish = async (e: { id: string }) => {
  client.send(["EVENT", e]);
  return (await client.next((f) => f[0] === "OK" && f[1] === e.id, 3000))[2];
};

test("stored events: #l scopes to the run; a multi-letter #run filter is dropped and matches every run", async () => {
  const sk = generateSecretKey();
  for (let i = 0; i < 5; i++) expect(await publish(buildTelemetryEvent(telemetryContent(`foreign-${i}`, `other-run-${i}`), sk))).toBe(true);
  expect(await publish(buildTelemetryEvent(telemetryContent("ours-1", OURS), sk))).toBe(true);
  const scoped = await client.req("scoped", runFilter({ kind: 30079, runId: OURS }, 0, "subscriber-a"));
  expect(scoped.map((e) => e.tags.find((t) => t[0] === "agent")?.[1])).toEqual(["ours-1"]);
  const byRun = await client.req("by-run", { kinds: [30079], "#run": [OURS] });
  expect(byRun).toHaveLength(6);
});

test("live events: the relay does not apply tag filters, so a foreign run's event arrives and the receiver must refuse it", async () => {
  client.send(["REQ", "live", runFilter({ kind: 30079, runId: OURS }, Math.floor(Date.now() / 1000), "subscriber-b")]);
  await client.next((f) => f[0] === "EOSE" && f[1] === "live");
  const foreign = buildTelemetryEvent(telemetryContent("foreign-live", "other-run-live"), generateSecretKey());
  expect(await publish(foreign)).toBe(true);
  // Delivered live although its `l` label names another run (stored events of our run may come first; skip those).
  const got = await client.next((f) => f[0] === "EVENT" && f[1] === "live" && (f[2] as { id: string }).id === foreign.id, 3000);
  expect((got[2] as { tags: string[][] }).tags).toContainEqual(["l", "other-run-live", "hashscope.run"]);
  client.send(["CLOSE", "live"]);
});
