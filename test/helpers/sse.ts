import type { MessageRecord } from "../../src/capture/records";

export type SseMessage = { id: number; data: MessageRecord };

/**
 * Read `event: message` events from a fetch body until `count` arrived, or until `enough(events)` says so, or the
 * time is up; then cancel the body.
 */
export async function readSse(res: Response, stop: number | ((events: SseMessage[]) => boolean), timeoutMs = 5000): Promise<SseMessage[]> {
  const enough = typeof stop === "number" ? (e: SseMessage[]) => e.length >= stop : stop;
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const out: SseMessage[] = [];
  const deadline = performance.now() + timeoutMs;
  while (!enough(out) && performance.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const id = /^id: (\d+)$/m.exec(block);
      const data = /^data: (.*)$/m.exec(block);
      if (/^event: message$/m.test(block) && id && data) out.push({ id: Number(id[1]), data: JSON.parse(data[1]!) as MessageRecord });
    }
  }
  await reader.cancel();
  return out;
}
