// stream-worker.js is served as a file, never imported as code: `import p from "…/stream-worker.js" with { type: "file" }` gives its path.
declare const path: string;
export default path;
