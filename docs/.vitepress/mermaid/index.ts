// Mermaid diagrams in the docs site: drawn at build time, checked with mermaid's parser.
export { checkDiagrams, mermaidFences } from "./check.ts";
export { mermaidPlugin } from "./plugin.ts";
export { type DiagramSource, renderDiagram } from "./render.ts";
