/**
 * A line as its shape and its values: the shape is the line with each value string replaced by `$` and each number by
 * `#`, object keys and the `method`/`jsonrpc` values kept; the values are those strings' contents (as written, escapes
 * and all) and numbers, joined by U+001F. A farm's lines come in a few shapes per miner and pool
 * (`{"params":[$,$,$,$,$],"id":#,"method":"mining.submit"}`), so each compact row stores only its values and the
 * number of its shape (`line_shapes`): a submit's 105 characters become ~50, an answer's 39 about 5.
 * `splitLine` gives a split only when `fillLine` gives back exactly the line, so any text is safe to offer it.
 */

const SEP = "\u001f";
/** Keys whose string values are part of the shape (they repeat on every line of a kind). */
const SHAPE_KEYS: ReadonlySet<string> = new Set(["method", "jsonrpc"]);
/** Longer shapes are not worth a row of their own. */
export const MAX_SHAPE_CHARS = 512;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isNumberChar = (c: number) => isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The index of the quote that closes the string opened at `open`, or -1. */
function stringEnd(s: string, open: number): number {
  for (let j = open + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j;
  }
  return -1;
}

export function splitLine(raw: string): { shape: string; values: string } | null {
  if (raw.includes(SEP)) return null; // a value holding the separator would not split back
  let shape = "";
  let values = "";
  let slots = 0;
  let lastKey = "";
  /** The last character outside strings that is not white space (a value right after `:` belongs to `lastKey`). */
  let last = 0;
  let copied = 0; // raw[copied, i) still to be appended to shape as is
  let i = 0;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c === 0x24 || c === 0x23) return null; // `$` or `#` outside a string: not JSON, and the shape would be ambiguous
    if (c === 0x22) {
      const end = stringEnd(raw, i);
      if (end < 0) return null;
      let k = end + 1;
      while (k < raw.length && isSpace(raw.charCodeAt(k))) k++;
      if (raw.charCodeAt(k) === 0x3a) lastKey = raw.slice(i + 1, end); // a key: part of the shape
      else if (last !== 0x3a || !SHAPE_KEYS.has(lastKey)) {
        shape += raw.slice(copied, i) + "$";
        values += (slots++ === 0 ? "" : SEP) + raw.slice(i + 1, end);
        copied = end + 1;
      }
      last = 0x22;
      i = end + 1;
    } else if (isDigit(c) || c === 0x2d) {
      let j = i + 1;
      while (j < raw.length && isNumberChar(raw.charCodeAt(j))) j++;
      shape += raw.slice(copied, i) + "#";
      values += (slots++ === 0 ? "" : SEP) + raw.slice(i, j);
      copied = i = j;
      last = 0x30;
    } else {
      if (!isSpace(c)) last = c;
      i++;
    }
  }
  shape += raw.slice(copied);
  if (shape.length > MAX_SHAPE_CHARS || slots === 0) return null;
  // By construction fillLine gives the line back; checked anyway, since a wrong row would be silent corruption.
  try {
    return fillLine(shape, values) === raw ? { shape, values } : null;
  } catch {
    return null;
  }
}

/** The line a shape and its values stand for (throws when they do not fit: a damaged row). */
export function fillLine(shape: string, values: string): string {
  const vals = values.split(SEP);
  let v = 0;
  let out = "";
  let copied = 0;
  for (let i = 0; i < shape.length; i++) {
    const c = shape.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(shape, i);
      if (end < 0) throw new Error("line shape: unterminated string");
      i = end;
    } else if (c === 0x24 || c === 0x23) {
      const value = vals[v++];
      if (value === undefined) throw new Error("line shape: too few values");
      out += shape.slice(copied, i) + (c === 0x24 ? `"${value}"` : value);
      copied = i + 1;
    }
  }
  if (v !== vals.length) throw new Error("line shape: too many values");
  return out + shape.slice(copied);
}
