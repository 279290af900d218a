import { expect, test } from "bun:test";
import type { NostrEvent } from "nostr-tools/pure";
import { EventStore } from "../../src/relay/store";

// The store does not verify (the server does before adding), so plain objects with distinct ids are enough here.
const ev = (n: number, kind = 1, createdAt = 1_700_000_000 + n): NostrEvent => ({
  id: n.toString(16).padStart(64, "0"),
  pubkey: "ab".repeat(32),
  created_at: createdAt,
  kind,
  tags: kind >= 30000 ? [["d", "status"]] : [],
  content: "",
  sig: "00".repeat(64),
});

test("past its bound the store forgets the oldest events first", () => {
  const s = new EventStore(3);
  for (let i = 1; i <= 5; i++) expect(s.add(ev(i))).toBe("stored");
  expect(s.size).toBe(3);
  const ids = s.query({}, 10).map((e) => e.id);
  expect(ids).toEqual([ev(5), ev(4), ev(3)].map((e) => e.id));
});

test("an event stored again after eviction is evicted by its own age, not its first one's", () => {
  const s = new EventStore(2);
  s.add(ev(1));
  s.add(ev(2));
  s.add(ev(3)); // 1 goes
  expect(s.add(ev(1))).toBe("stored"); // back, now the newest; 2 goes
  s.add(ev(4)); // 3 goes, not 1
  expect(s.query({}, 10).map((e) => e.id).sort()).toEqual([ev(1), ev(4)].map((e) => e.id).sort());
});

test("replacing one address many times keeps the newest and does not grow the store's bookkeeping", () => {
  const s = new EventStore(10);
  s.add(ev(1));
  for (let i = 2; i < 20_000; i++) expect(s.add(ev(i, 30078))).toBe("stored");
  expect(s.size).toBe(2);
  expect(s.query({ kinds: [30078] }, 10).map((e) => e.id)).toEqual([ev(19_999, 30078).id]);
  expect(s.orderLength).toBeLessThan(2 * 2 + 1024 + 2);
  // The regular event from the start is still the oldest: it goes first when the bound is reached.
  for (let i = 0; i < 9; i++) s.add(ev(100_000 + i));
  expect(s.size).toBe(10);
  expect(s.query({ ids: [ev(1).id] }, 1)).toHaveLength(0);
});
