/**
 * Escape-by-default HTML: every interpolated value is escaped unless it is a `Raw` (built by this tag or `raw()`).
 * Miners choose their worker names and pools their messages, so everything from traffic is hostile text.
 */
const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export class Raw {
  constructor(readonly s: string) {}
  toString(): string {
    return this.s;
  }
}

/** Trusted markup only (our own templates). Never pass traffic text here. */
export const raw = (s: string): Raw => new Raw(s);

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** null, undefined and false render as nothing; arrays are joined; Raw passes through. */
export function esc(v: unknown): string {
  if (v instanceof Raw) return v.s;
  if (Array.isArray(v)) return v.map(esc).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += esc(values[i]) + strings[i + 1]!;
  return new Raw(out);
}

export function htmlResponse(body: Raw, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body.s, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/**
 * SSE `data:` must be one line: a raw CR/LF would end the field and break the event. Character references keep
 * the meaning in text and attribute values (our own templates put no newline inside a tag).
 */
export const oneLine = (h: Raw | string): string => String(h).replace(/\r/g, "&#13;").replace(/\n/g, "&#10;");
