import { expect, test } from "bun:test";
import { Memo } from "../../src/db/memo";

test("a memo holds at most its bound and forgets the oldest entries first", () => {
  const m = new Memo<number, string>(100);
  for (let i = 0; i < 1_000; i++) m.set(i, `v${i}`);
  const held = Array.from({ length: 1_000 }, (_, i) => m.get(i)).filter((v) => v !== undefined);
  expect(held.length).toBeLessThanOrEqual(100);
  expect(held.length).toBeGreaterThanOrEqual(50);
  // The newest are all there, with their values; the first ones are gone.
  for (let i = 950; i < 1_000; i++) expect(m.get(i)).toBe(`v${i}`);
  expect(m.get(0)).toBeUndefined();
});

test("a value set again is the one read back, and clear forgets everything", () => {
  const m = new Memo<string, number>(4);
  m.set("a", 1);
  m.set("b", 2);
  m.set("c", 3); // "a" and "b" are now the old generation
  m.set("a", 10);
  expect(m.get("a")).toBe(10);
  expect(m.get("b")).toBe(2);
  m.clear();
  expect(m.get("a")).toBeUndefined();
  expect(m.get("c")).toBeUndefined();
});
