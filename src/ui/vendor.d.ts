/** Files imported `with { type: "file" }` resolve to a path string (under /$bunfs when compiled). */
declare module "htmx.org/dist/*" {
  const path: string;
  export default path;
}
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "@alpinejs/csp/dist/*" {
  const path: string;
  export default path;
}
