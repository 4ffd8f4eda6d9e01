// The docs site's build pieces, for scripts/docs.ts and the tests.
export { checkLinks, servedFile } from "./links.ts";
export { checkDiagrams, mermaidFences, renderDiagram } from "./mermaid/index.ts";
export { pageLink, repoRoot, siteDir, trackedPages } from "./pages.ts";
