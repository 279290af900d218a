/**
 * Module specifiers of one TypeScript/JavaScript source, type-only ones included. Bun.Transpiler's scanImports drops
 * `import type` (it sees what runs), and a folder that only borrows another's types still depends on it, so this reads the
 * tokens itself: comments are skipped, strings and template literals are read as strings (an `import` written inside one is
 * not an import), and a `/` after an operator starts a regular expression.
 */

export type ImportKind = "import" | "export-from" | "dynamic" | "side-effect";
export type FoundImport = { specifier: string; kind: ImportKind; line: number };

type Token = { t: "word" | "punct" | "string"; v: string; line: number };

/** Words after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);

function tokens(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  /** Open `${` of template literals: the brace depth at which each one closes. */
  const templates: number[] = [];
  let depth = 0;
  const regexAllowed = () => {
    const last = out[out.length - 1];
    if (!last) return true;
    if (last.t === "string") return false;
    if (last.t === "word") return REGEX_AFTER_WORD.has(last.v);
    return !(last.v === ")" || last.v === "]" || last.v === "}");
  };
  /** Reads a template literal's text from i (just past a backtick or a closing `}`); stops at its end or at `${`. */
  const templateText = (start: number) => {
    let j = start;
    while (j < src.length) {
      const c = src[j]!;
      if (c === "\\") j += 2;
      else if (c === "`") return { end: j + 1, opensExpr: false, text: src.slice(start, j) };
      else if (c === "$" && src[j + 1] === "{") return { end: j + 2, opensExpr: true, text: src.slice(start, j) };
      else j++;
    }
    throw new Error(`unterminated template literal at line ${line}`);
  };
  const pushTemplate = (start: number) => {
    const part = templateText(start);
    line += part.text.split("\n").length - 1;
    out.push({ t: "string", v: part.text, line });
    if (part.opensExpr) templates.push(++depth);
    i = part.end;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error(`unterminated comment at line ${line}`);
      line += src.slice(i, end).split("\n").length - 1;
      i = end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out.push({ t: "string", v: src.slice(i + 1, j), line });
      i = j + 1;
    } else if (c === "`") pushTemplate(i + 1);
    else if (c === "/" && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== "\n") {
        const d = src[j]!;
        if (d === "\\") j++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        j++;
      }
      j++;
      while (j < src.length && /[a-z]/i.test(src[j]!)) j++;
      out.push({ t: "string", v: "", line });
      i = j;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w$]/.test(src[j]!)) j++;
      out.push({ t: "word", v: src.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w.]/.test(src[j]!)) j++;
      out.push({ t: "word", v: src.slice(i, j), line });
      i = j;
    } else if (c === "}" && templates[templates.length - 1] === depth) {
      templates.pop();
      depth--;
      pushTemplate(i + 1);
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      out.push({ t: "punct", v: c, line });
      i++;
    }
  }
  return out;
}

/** Every `import … from`, `import "…"`, `export … from`, `import("…")` (a dynamic import or a type query) in a source. */
export function scanImports(src: string): FoundImport[] {
  const toks = tokens(src);
  const found: FoundImport[] = [];
  const isWord = (k: number, v: string) => toks[k]?.t === "word" && toks[k]!.v === v;
  const prevIsDot = (k: number) => toks[k - 1]?.t === "punct" && toks[k - 1]!.v === ".";
  /** From a statement's keyword, the string after its `from`, or null if the statement ends first. */
  const fromClause = (k: number): Token | null => {
    for (let j = k + 1; j < toks.length; j++) {
      const tok = toks[j]!;
      if (tok.t === "punct" && tok.v === ";") return null;
      if (tok.t === "word" && tok.v === "from" && toks[j + 1]?.t === "string") return toks[j + 1]!;
      // A new statement began: `export const x = …` and the like have no from clause.
      if (tok.t === "word" && (tok.v === "import" || tok.v === "export") && j > k + 1 && toks[j - 1]?.v !== "type") return null;
    }
    return null;
  };
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    if (tok.t !== "word" || prevIsDot(k)) continue;
    const next = toks[k + 1];
    if (tok.v === "import") {
      if (next?.t === "punct" && next.v === "(") {
        if (toks[k + 2]?.t === "string") found.push({ specifier: toks[k + 2]!.v, kind: "dynamic", line: tok.line });
      } else if (next?.t === "string") found.push({ specifier: next.v, kind: "side-effect", line: tok.line });
      else if (next?.t === "punct" && next.v === ".") continue; // import.meta
      else {
        const from = fromClause(k);
        if (from) found.push({ specifier: from.v, kind: "import", line: tok.line });
      }
    } else if (tok.v === "export" && next && (next.v === "*" || next.v === "{" || (isWord(k + 1, "type") && toks[k + 2]?.v === "{"))) {
      const from = fromClause(k);
      if (from) found.push({ specifier: from.v, kind: "export-from", line: tok.line });
    }
  }
  return found;
}
