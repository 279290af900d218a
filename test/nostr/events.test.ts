import { describe, expect, test } from "bun:test";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { matchFilter } from "nostr-tools/filter";
import {
  buildShareEvent,
  buildTelemetryEvent,
  parseShare,
  parseTelemetry,
  parseVerified,
  runFilter,
  shareTags,
  telemetryTags,
  ShareContent,
} from "../../src/nostr/events.ts";
import { loadKeys, publicKeyLine } from "../../src/nostr/keys.ts";
import { ConfigError } from "../../src/env.ts";
import { RUN, shareContent, telemetryContent } from "./helpers.ts";

const sk = generateSecretKey();
const pk = getPublicKey(sk);
const expectShare = { kind: 30080, runId: RUN };

describe("tags", () => {
  test("share and telemetry tags carry their own d", () => {
    expect(shareTags("r1", "e1")).toEqual([
      ["d", "r1:e1"], ["t", "hashscope"], ["L", "hashscope.run"], ["l", "r1", "hashscope.run"], ["run", "r1"], ["type", "share"], ["schema", "hashscope.v1"],
    ]);
    expect(telemetryTags("r1", "a1")).toEqual([
      ["d", "r1:a1"], ["t", "hashscope"], ["L", "hashscope.run"], ["l", "r1", "hashscope.run"], ["run", "r1"], ["type", "telemetry"], ["schema", "hashscope.v1"], ["agent", "a1"],
    ]);
  });

  test("runFilter scopes by the single-letter run label; a subscriber mark makes it unique without matching more", () => {
    expect(runFilter({ kind: 30080, runId: "r", authors: [pk] }, 100)).toEqual({ kinds: [30080], "#l": ["r"], authors: [pk], since: 100 });
    expect(runFilter({ kind: 30079, runId: "r" })).toEqual({ kinds: [30079], "#l": ["r"] });
    const a = runFilter({ kind: 30079, runId: "r" }, 5, "pk-a");
    expect(a).toEqual({ kinds: [30079], "#l": ["r", "hashscope.sub:pk-a"], since: 5 });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(runFilter({ kind: 30079, runId: "r" }, 5, "pk-b")));
    // No event carries the mark: an event of run r matches either filter, one of run "hashscope.sub:pk-a" is impossible to make valid.
    const e = buildShareEvent(shareContent("e1", 1, "r"), generateSecretKey());
    expect(matchFilter({ ...a, kinds: [30080] }, e)).toBe(true);
    expect(matchFilter({ kinds: [30080], "#l": ["other"] }, e)).toBe(false);
  });
});

describe("round trip", () => {
  test("share event", () => {
    const content = shareContent("e-1", 7);
    const ev = buildShareEvent(content, sk);
    expect(ev.kind).toBe(30080);
    expect(ev.pubkey).toBe(pk);
    expect(ev.tags[0]).toEqual(["d", `${RUN}:e-1`]);
    const wire = JSON.parse(JSON.stringify(ev)) as unknown;
    const r = parseShare(wire, { ...expectShare, authors: [pk] });
    expect(r).toMatchObject({ ok: true, content });
  });

  test("telemetry event with a custom kind", () => {
    const content = telemetryContent("agent-a");
    const ev = buildTelemetryEvent(content, sk, 31000);
    expect(ev.tags).toContainEqual(["agent", "agent-a"]);
    const r = parseTelemetry(JSON.parse(JSON.stringify(ev)), { kind: 31000, runId: RUN });
    expect(r.ok && r.content).toEqual(content);
  });

  test("builders refuse content that does not match the schema", () => {
    const bad = { ...shareContent("e"), repeat_count: 0 };
    expect(() => buildShareEvent(bad, sk)).toThrow();
    const bad2 = { ...telemetryContent("a"), ts: "2026-01-01 10:00:00" };
    expect(() => buildTelemetryEvent(bad2, sk)).toThrow();
  });
});

describe("rejects", () => {
  test("tampered content is a bad signature even with the verified symbol copied", () => {
    const ev = buildShareEvent(shareContent("e-2"), sk);
    // Spread keeps nostr-tools' cached "verified" symbol; parse must not trust it.
    const tampered: NostrEvent = { ...ev, content: ev.content.replace('"seq":1', '"seq":2') };
    expect(tampered.content).not.toBe(ev.content);
    expect(parseShare(tampered, expectShare)).toEqual({ ok: false, reason: "bad_signature" });
    expect(parseShare({ ...ev, sig: "00".repeat(64) }, expectShare)).toEqual({ ok: false, reason: "bad_signature" });
    expect(parseShare({ ...ev, tags: [] }, expectShare)).toEqual({ ok: false, reason: "bad_signature" });
    expect(parseShare("not an event", expectShare)).toEqual({ ok: false, reason: "bad_signature" });
    expect(parseVerified(tampered)).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("wrong kind and wrong author", () => {
    const ev = buildShareEvent(shareContent("e-3"), sk);
    expect(parseShare(ev, { kind: 30079, runId: RUN })).toEqual({ ok: false, reason: "wrong_kind" });
    const other = getPublicKey(generateSecretKey());
    expect(parseShare(ev, { ...expectShare, authors: [other] })).toEqual({ ok: false, reason: "wrong_author" });
    expect(parseShare(ev, { ...expectShare, authors: [other, pk] }).ok).toBe(true);
  });

  test("wrong run in the tag or in the content", () => {
    const ev = buildShareEvent(shareContent("e-4", 1, "other-run"), sk);
    expect(parseShare(ev, expectShare)).toEqual({ ok: false, reason: "wrong_run" });
    // The tag says our run, the signed content says another one.
    const mixed = finalizeEvent(
      { kind: 30080, created_at: 1, tags: shareTags(RUN, "e-5"), content: JSON.stringify(shareContent("e-5", 1, "other-run")) },
      sk,
    );
    expect(parseShare(mixed, expectShare)).toEqual({ ok: false, reason: "wrong_run" });
    // Only the informational `run` tag, or our run id under another label namespace: not scoped to our run.
    const content = JSON.stringify(shareContent("e-6"));
    for (const tags of [[["run", RUN]], [["L", "other"], ["l", RUN, "other"], ["run", RUN]]]) {
      expect(parseShare(finalizeEvent({ kind: 30080, created_at: 1, tags, content }, sk), expectShare)).toEqual({ ok: false, reason: "wrong_run" });
    }
  });

  test("bad schema", () => {
    const sign = (content: string): NostrEvent => finalizeEvent({ kind: 30080, created_at: 1, tags: shareTags(RUN, "x"), content }, sk);
    expect(parseShare(sign("{not json"), expectShare)).toEqual({ ok: false, reason: "bad_schema" });
    expect(parseShare(sign(JSON.stringify({ run_id: RUN })), expectShare)).toEqual({ ok: false, reason: "bad_schema" });
    const wrongSchema = { ...shareContent("x"), schema: "hashscope.v2" };
    expect(parseShare(sign(JSON.stringify(wrongSchema)), expectShare)).toEqual({ ok: false, reason: "bad_schema" });
    // A telemetry content on the share kind.
    expect(parseShare(sign(JSON.stringify(telemetryContent("a"))), expectShare)).toEqual({ ok: false, reason: "bad_schema" });
    expect(ShareContent.safeParse(shareContent("x")).success).toBe(true);
  });
});

describe("keys", () => {
  test("from hex, generated, and rejected", () => {
    const hex = "11".repeat(32);
    const k = loadKeys(hex);
    expect(k.generated).toBe(false);
    expect(k.pk).toBe(getPublicKey(k.sk));
    expect(loadKeys(hex.toUpperCase()).pk).toBe(k.pk);
    const g = loadKeys(undefined);
    expect(g.generated).toBe(true);
    expect(loadKeys("").generated).toBe(true);
    expect(() => loadKeys("abc")).toThrow(ConfigError);
    expect(() => loadKeys("00".repeat(32))).toThrow(ConfigError);
    let message = "";
    try {
      loadKeys("zz".repeat(32));
    } catch (err) {
      message = String(err);
    }
    expect(message).toContain("NOSTR_SK");
    expect(message).not.toContain("zz");
  });

  test("the log line names the public key and never the secret", () => {
    const k = loadKeys("22".repeat(32));
    const line = publicKeyLine(k, "mitm");
    expect(line).toContain(k.pk);
    expect(line).toContain("npub1");
    expect(line).not.toContain("22".repeat(32));
  });
});
