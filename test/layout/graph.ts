import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { scanImports, type FoundImport } from "./scan";

/**
 * The folder graph of the application: one node per top-level folder of src/ (`src/capture`), one per file at src/'s root
 * (`src/config.ts`), and `agent` as a whole. An edge is "some file in A imports some file in B", with one example kept.
 */

export const ROOT = path.join(import.meta.dir, "..", "..");
const SOURCE = /\.(ts|js)$/;

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir)).sort()) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (SOURCE.test(name)) out.push(rel);
  }
  return out;
}

/** The node a file belongs to, or null outside src/ and agent/ (node_modules, test/, …). */
export function nodeOf(rel: string): string | null {
  const parts = rel.split(path.sep);
  if (parts[0] === "agent") return "agent";
  if (parts[0] !== "src") return null;
  return parts.length === 2 ? rel : `src/${parts[1]}`;
}

/** How the bundler resolves a relative specifier: as written, then with an extension, then as a folder's index. */
export function resolve(fromFile: string, specifier: string): string | null {
  const base = path.join(path.dirname(fromFile), specifier);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, path.join(base, "index.ts")]) {
    const abs = path.join(ROOT, c);
    if (existsSync(abs) && statSync(abs).isFile()) return c;
  }
  return null;
}

export type Edge = { from: string; to: string; file: string; imp: FoundImport; target: string };

export type Graph = { nodes: Set<string>; edges: Map<string, Map<string, Edge>>; unresolved: string[] };

export async function folderGraph(dirs: string[]): Promise<Graph> {
  const nodes = new Set<string>();
  const edges = new Map<string, Map<string, Edge>>();
  const unresolved: string[] = [];
  for (const file of dirs.flatMap(sourceFiles)) {
    const from = nodeOf(file)!;
    nodes.add(from);
    for (const imp of scanImports(await Bun.file(path.join(ROOT, file)).text())) {
      if (!imp.specifier.startsWith(".")) continue;
      const target = resolve(file, imp.specifier);
      if (!target) {
        unresolved.push(`${file}:${imp.line} ${imp.specifier}`);
        continue;
      }
      const to = nodeOf(target);
      if (!to || to === from) continue;
      let out = edges.get(from);
      if (!out) edges.set(from, (out = new Map()));
      if (!out.has(to)) out.set(to, { from, to, file, imp, target });
    }
  }
  return { nodes, edges, unresolved };
}

/** Strongly connected components with more than one node (Tarjan): each holds at least one cycle. */
export function cyclicGroups(g: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...g.nodes].sort()) if (!idx.has(v)) visit(v);
  return groups;
}

/** One shortest cycle through a group's first node, found breadth-first inside the group. */
export function cycleIn(g: Graph, group: string[]): Edge[] {
  const members = new Set(group);
  const start = group[0]!;
  const cameBy = new Map<string, Edge>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    for (const [w, edge] of g.edges.get(v) ?? []) {
      if (!members.has(w) || cameBy.has(w)) continue;
      cameBy.set(w, edge);
      if (w === start) {
        const path: Edge[] = [];
        for (let at = start; ; ) {
          const e = cameBy.get(at)!;
          path.unshift(e);
          at = e.from;
          if (at === start) return path;
        }
      }
      queue.push(w);
    }
  }
  return [];
}

export const describeEdge = (e: Edge) =>
  `${e.from} -> ${e.to}   (${e.file}:${e.imp.line} ${e.imp.kind} "${e.imp.specifier}")`;
