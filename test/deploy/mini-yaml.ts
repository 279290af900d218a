/**
 * A reader for the small YAML subset docker-compose.yml uses (no YAML parser is installed):
 * 2-space indented maps, `key: value`, `- item` lists, flow lists `["a", "b"]`, quoted scalars, `#` comments.
 * Anything else throws, so the compose file stays simple enough to check.
 */
export type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

type Line = { indent: number; text: string; no: number };

const scalar = (raw: string): Yaml => {
  const s = raw.trim();
  if (s === "") return null;
  if (s.startsWith("[") && s.endsWith("]")) {
    const inner = s.slice(1, -1).trim();
    return inner === "" ? [] : inner.split(",").map((x) => scalar(x));
  }
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) return s.slice(1, -1);
  if (/^-?\d+$/.test(s)) return Number(s);
  if (s === "true" || s === "false") return s === "true";
  return s;
};

const stripComment = (s: string): string => {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || s[i - 1] === " ")) return s.slice(0, i);
  }
  return s;
};

export function parseMiniYaml(text: string): Yaml {
  const lines: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    const t = stripComment(raw).replace(/\s+$/, "");
    if (t.trim() === "") return;
    const indent = t.length - t.trimStart().length;
    if (indent % 2 !== 0 || t.includes("\t")) throw new Error(`line ${i + 1}: indent must be 2 spaces`);
    lines.push({ indent, text: t.trim(), no: i + 1 });
  });
  let pos = 0;
  const block = (indent: number): Yaml => {
    const first = lines[pos];
    if (!first || first.indent !== indent) throw new Error(`line ${first?.no ?? "end"}: expected indent ${indent}`);
    if (first.text.startsWith("- ")) {
      const list: Yaml[] = [];
      while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith("- ")) {
        list.push(scalar(lines[pos]!.text.slice(2)));
        pos++;
      }
      return list;
    }
    const map: { [k: string]: Yaml } = {};
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const l = lines[pos]!;
      const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(l.text);
      if (!m) throw new Error(`line ${l.no}: not a "key: value" line: ${l.text}`);
      pos++;
      const key = m[1]!;
      if (m[2] !== undefined && m[2] !== "") map[key] = scalar(m[2]);
      else if (pos < lines.length && lines[pos]!.indent > indent) map[key] = block(indent + 2);
      else map[key] = null;
    }
    return map;
  };
  const doc = block(0);
  if (pos !== lines.length) throw new Error(`line ${lines[pos]!.no}: unexpected indent`);
  return doc;
}
