import { describe, expect, test } from "bun:test";
import { Hub } from "../../src/capture/hub";
import { batchWindow } from "../../src/ui/batch";
import { filterQuery, parseUiQuery } from "../../src/ui/filters";
import { html, oneLine, raw } from "../../src/ui/html";
import { messageRow } from "../../src/ui/views/message-table";
import type { MessageRecord } from "../../src/capture/records";

describe("html tag", () => {
  test("escapes every interpolated value unless it is our own markup", () => {
    const evil = `<script>x</script>"'&`;
    expect(html`<td title="${evil}">${evil}</td>`.s).toBe(
      `<td title="&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;">&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;</td>`,
    );
    expect(html`<p>${html`<b>${evil}</b>`}</p>`.s).toBe(`<p><b>&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;</b></p>`);
    expect(html`${[1, "<", raw("<i>")]}`.s).toBe("1&lt;<i>");
    expect(html`${null}${undefined}${false}${0}`.s).toBe("0");
  });

  test("SSE data stays on one line", () => {
    expect(oneLine("a\nb\r\nc")).toBe("a&#10;b&#13;&#10;c");
  });

  test("a message row has no raw newline even when the traffic had one", () => {
    const m: MessageRecord = {
      id: "7", seq: 7, session_id: "s\n1", direction: "pool_to_miner", ts: "2026-11-23T10:00:00.000Z", size_bytes: 40,
      raw: `{"id":null,"method":"client.show_message","params":["a\\nb"]}`, raw_hex: null, kind: "notification",
      method: "client.show_message", rpc_id: null, json: null, decoded: { message: "a\n<b>" }, parse_error: null,
      reply_to: null, latency_ms: null, truncated: false, analysis: null,
    };
    const row = oneLine(messageRow(m));
    expect(row).not.toMatch(/[\r\n]/);
    expect(row).toContain("a&#10;&lt;b&gt;");
  });
});

describe("filters from the URL", () => {
  test("empty form fields mean any; invalid ones are dropped and reported", () => {
    const q = parseUiQuery({ session_id: "", direction: "pool_to_miner", kind: "bogus", errors: "1", q: " x ", before: "12" });
    expect(q.filter).toEqual({ direction: "pool_to_miner", errors: true, q: " x " });
    expect(q.before).toBe(12);
    expect(q.problems.length).toBe(1);
    expect(q.problems[0]).toContain("kind");
  });

  test("round trip through the query string", () => {
    const f = { direction: "miner_to_pool" as const, method: "mining.submit", errors: true, q: "a b&c" };
    const s = filterQuery(f, { after: 5 });
    expect(parseUiQuery(Object.fromEntries(new URLSearchParams(s))).filter).toEqual(f);
  });
});

describe("batchWindow", () => {
  test("coalesces bursts and keeps only the newest items of a window", async () => {
    const hub = new Hub<number>();
    const ac = new AbortController();
    const src = hub.subscribe(ac.signal);
    const out = batchWindow(src, 50, 3, ac.signal);
    const first = out.next();
    for (let i = 1; i <= 10; i++) {
      hub.publish(i);
      await Bun.sleep(0);
    }
    const b = await first;
    expect(b.done).toBe(false);
    expect(b.value).toEqual({ items: [8, 9, 10], skipped: 7 });
    hub.publish(11);
    expect((await out.next()).value).toEqual({ items: [11], skipped: 0 });
    ac.abort();
    expect((await out.next()).done).toBe(true);
  });
});
