// Mermaid fences → inline SVG at build time, with beautiful-mermaid (pure JavaScript: no browser
// in the build, a few milliseconds a diagram). Chosen over mermaid-in-chromium (a browser per
// build) and client-side mermaid (blank boxes until its 2 MB of JavaScript runs). Its colours
// are CSS variables bound to the theme's, so one SVG follows the light and dark themes live.
// Its parser is lenient (it draws some broken diagrams anyway), so check.ts runs mermaid's own
// parser over every diagram before a build.
import { renderMermaidSVG } from "beautiful-mermaid";

/** Where a diagram is, for error messages: `docs/overview.md:12`. */
export interface DiagramSource {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
}

let rendered = 0;

/** The diagram as an SVG element, or an error naming the file and line. */
export function renderDiagram(diagram: DiagramSource): string {
  let svg: string;
  try {
    svg = renderMermaidSVG(diagram.text, {
      bg: "var(--vp-c-bg)",
      fg: "var(--vp-c-text-1)",
      accent: "var(--vp-c-brand-1)",
      transparent: true,
    });
  } catch (error) {
    throw new Error(
      `${diagram.file}:${diagram.line}: mermaid diagram cannot be drawn: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  return localize(svg, `mermaid-${++rendered}`);
}

/**
 * Makes the SVG self-contained within a page: no web font fetched from outside (the theme
 * ships Inter), and ids (arrow markers) unique per diagram, since several share a page.
 */
function localize(svg: string, prefix: string): string {
  return svg
    .replace(/^\s*@import url\([^)]*\);\s*$/m, "")
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}
