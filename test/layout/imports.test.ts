import { describe, expect, test } from "bun:test";
import path from "node:path";
import { cycleIn, cyclicGroups, describeEdge, folderGraph, ROOT, sourceFiles } from "./graph";
import { scanImports } from "./scan";

/**
 * Imports between folders go one way. Every import in src/ and agent/ counts: static `import … from`, `export … from`,
 * `import "…"`, dynamic `import()` and type-only ones (a folder that borrows another's types still depends on it, and a
 * type-only cycle is the first step of a runtime one). Nodes are src/'s top-level folders, the files at src/'s root each on
 * their own, and agent/.
 */

const DIRS = ["src", "agent"];

describe("the import scanner", () => {
  test("finds every form of import, type-only ones included, and nothing inside comments or strings", () => {
    const src = [
      'import type { A } from "./a";',
      'import { type B, C } from "./bc";',
      "import {\n  D,\n  E,\n} from './de';",
      'import F from "./f.js" with { type: "file" };',
      'import "./side";',
      'export type { G } from "./g";',
      'export * from "./h";',
      'export { I as J } from "./i";',
      'export const k = 1;',
      'export { k as K };',
      'const l = await import("./l");',
      'type M = import("./m").M;',
      '// import { N } from "./n";',
      '/* export * from "./o"; */',
      "const p = \"import { P } from './p'\";",
      "const q = `import { Q } from './q' ${`nested ${'import(\"./r\")'}`}`;",
      "const s = a / 2; const t = /from \"\\.\\/t\"/.test(x);",
      "const u = import.meta.dir;",
      'import { V } from "./v";',
    ].join("\n");
    expect(scanImports(src).map((i) => `${i.kind} ${i.specifier} @${i.line}`)).toEqual([
      "import ./a @1",
      "import ./bc @2",
      "import ./de @3",
      "import ./f.js @7",
      "side-effect ./side @8",
      "export-from ./g @9",
      "export-from ./h @10",
      "export-from ./i @11",
      "dynamic ./l @14",
      "dynamic ./m @15",
      "import ./v @22",
    ]);
  });

  test("sees every import the bundler sees, in every file of src/ and agent/", async () => {
    const missed: string[] = [];
    for (const file of DIRS.flatMap(sourceFiles)) {
      const text = await Bun.file(path.join(ROOT, file)).text();
      const ours = new Set(scanImports(text).map((i) => i.specifier));
      const bun = new Bun.Transpiler({ loader: file.endsWith(".js") ? "js" : "ts" }).scanImports(text);
      for (const imp of bun) if (!ours.has(imp.path)) missed.push(`${file}: ${imp.kind} "${imp.path}"`);
    }
    expect(missed).toEqual([]);
  });
});

describe("the folder graph of src/ and agent/", () => {
  test("every relative import names a file that exists", async () => {
    const g = await folderGraph(DIRS);
    expect(g.nodes.size).toBeGreaterThan(10);
    expect(g.unresolved).toEqual([]);
  });

  test("has no cycle between folders", async () => {
    const g = await folderGraph(DIRS);
    const cycles = cyclicGroups(g).map(
      (group) => `cycle among {${group.join(", ")}}:\n  ${cycleIn(g, group).map(describeEdge).join("\n  ")}`,
    );
    if (cycles.length) console.error(cycles.join("\n"));
    expect(cycles).toEqual([]);
  });
});
