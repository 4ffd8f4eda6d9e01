// The markdown-it rule that draws `mermaid` fences; every other fence keeps VitePress's rule.
import { relative } from "node:path";
import type { MarkdownRenderer } from "vitepress";
import { renderDiagram } from "./render.ts";

/** `root` makes the file names in error messages relative to the repository. */
export function mermaidPlugin(md: MarkdownRenderer, root: string): void {
  const fence = md.renderer.rules.fence;
  if (!fence) throw new Error("docs: markdown-it has no fence rule to extend");
  md.renderer.rules.fence = (tokens, index, options, env, self) => {
    const token = tokens[index];
    if (token?.info.trim() !== "mermaid") return fence(tokens, index, options, env, self);
    const svg = renderDiagram({
      file: relative(root, (env as { path: string }).path),
      line: (token.map?.[0] ?? 0) + 1,
      text: token.content,
    });
    // v-html, not the SVG in the template: Vue would drop the SVG's <style> and read any `{{`.
    // It is still rendered into the static HTML at build time.
    return `<div class="mermaid-diagram" v-html="${escapeAttribute(JSON.stringify(svg))}"></div>\n`;
  };
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
