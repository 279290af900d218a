import { describe, expect, test } from "bun:test";
import { Outbox } from "../../src/nostr/outbox";
import { parseRelayFrame } from "../../src/nostr/relay-frames";

describe("relay frames", () => {
  test("each NIP-01 verb the pool acts on, and nothing else", () => {
    expect(parseRelayFrame('["EVENT","s1",{"id":"x"}]')).toEqual({ verb: "EVENT", subId: "s1", event: { id: "x" } });
    expect(parseRelayFrame('["OK","e1",true,""]')).toEqual({ verb: "OK", eventId: "e1", accepted: true, message: "" });
    expect(parseRelayFrame('["OK","e1","true","blocked"]')).toEqual({ verb: "OK", eventId: "e1", accepted: false, message: "blocked" });
    expect(parseRelayFrame('["EOSE","s1"]')).toEqual({ verb: "EOSE", subId: "s1" });
    expect(parseRelayFrame('["CLOSED","s1","auth-required"]')).toEqual({ verb: "CLOSED", subId: "s1", message: "auth-required" });
    expect(parseRelayFrame('["NOTICE",5]')).toEqual({ verb: "NOTICE", message: 5 });
    for (const other of ['{"EVENT":1}', '["EVENT",1,{}]', '["AUTH","c"]', "[]", '"x"']) expect(parseRelayFrame(other)).toBeNull();
    expect(parseRelayFrame("[nope")).toBe("not-json");
  });
});

describe("outbox", () => {
  const out = (id: string, bytes = 10) => ({ id, frame: "x".repeat(bytes) });

  test("the queue keeps the newest within its count and byte bounds and says how many it dropped", () => {
    const box = new Outbox(3, 25);
    expect([box.enqueue(out("a")), box.enqueue(out("b"))]).toEqual([0, 0]);
    expect(box.enqueue(out("c"))).toBe(1); // 30 bytes > 25
    expect(box.queue.map((o) => o.id)).toEqual(["b", "c"]);
    expect(box.queueBytes).toBe(20);
    expect(new Outbox(1, 1).enqueue(out("big", 100))).toBe(0); // one event always fits
  });

  test("unanswered events go back to the queue's front when the socket is lost, and come first on reconnect", () => {
    const box = new Outbox(10, 1000);
    box.sent(out("a"));
    box.sent(out("b"));
    box.enqueue(out("c"));
    expect(box.answered("a")).toBe(true);
    expect(box.answered("a")).toBe(false);
    expect(box.requeueUnanswered()).toBe(0);
    expect(box.queue.map((o) => o.id)).toEqual(["b", "c"]);
    expect(box.queueBytes).toBe(20);
    box.sent(out("d"));
    expect(box.takeAll().map((o) => o.id)).toEqual(["d", "b", "c"]);
    expect(box.settled).toBe(true);
  });

  test("awaiting OK is bounded too: the oldest is forgotten", () => {
    const box = new Outbox(2, 1000);
    for (const id of ["a", "b", "c"]) box.sent(out(id));
    expect([...box.inflight.keys()]).toEqual(["b", "c"]);
    expect(box.dropQueue()).toBe(0);
  });
});
