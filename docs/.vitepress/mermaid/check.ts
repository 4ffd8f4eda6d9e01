// A broken diagram fails the build with its file and line: every mermaid fence goes through
// mermaid's own parser (the grammar the diagrams are written against) before VitePress runs.
// mermaid wants a DOM (DOMPurify), so it parses in a child process with happy-dom's window
// as the global one, never inside VitePress, whose server rendering must see no `window`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DiagramSource } from "./render.ts";

/** The mermaid fences of a Markdown text, with the line of each opening fence. */
export function mermaidFences(file: string, markdown: string): DiagramSource[] {
  const found: DiagramSource[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*mermaid\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[2] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).trim().startsWith(fence)) {
      body.push(lines[j] as string);
      j++;
    }
    found.push({ file, line: i + 1, text: body.join("\n") });
    i = j;
  }
  return found;
}

/** Parses every diagram of the given pages; throws one error listing each broken one. */
export async function checkDiagrams(root: string, pages: readonly string[]): Promise<number> {
  const diagrams = pages.flatMap((page) =>
    mermaidFences(page, readFileSync(join(root, page), "utf8")),
  );
  if (diagrams.length === 0) return 0;
  const child = Bun.spawn([process.execPath, join(import.meta.dirname, "parse.ts")], {
    stdin: new Blob([JSON.stringify(diagrams.map((d) => d.text))]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`docs: the mermaid parser failed (exit ${code}): ${err.trim()}`);
  const errors = JSON.parse(out) as (string | null)[];
  const broken = diagrams.flatMap((diagram, index) => {
    const message = errors[index];
    if (!message) return [];
    // mermaid counts lines from the diagram's first line: point at the line in the file.
    const at = /line (\d+)/.exec(message);
    const line = diagram.line + (at ? Number(at[1]) : 1);
    return [`${diagram.file}:${line}: broken mermaid diagram: ${message}`];
  });
  if (broken.length > 0) throw new Error(broken.join("\n\n"));
  return diagrams.length;
}
