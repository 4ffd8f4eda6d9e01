// The pages that describe code say what the code says, and the site's checks catch what they
// promise to catch: a broken diagram (with its file and line) and a broken link or anchor.
import { describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KindDefinition, kinds } from "../src/operator/api/index.ts";

type Schema = KindDefinition["spec"];

import { checkDiagrams, checkLinks, mermaidFences, repoRoot } from "./.vitepress/index.ts";

const read = (path: string) => Bun.file(join(repoRoot, path)).text();

async function inTempDir(files: Record<string, string>, body: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "vimana-docs-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("docs/pods.md", () => {
  test("draws every state of runtime/pods/types.ts, and no other", async () => {
    const types = await read("runtime/pods/types.ts");
    const union = /export type PodState\s*=([^;]+);/.exec(types)?.[1] ?? "";
    const states = [...union.matchAll(/"(\w+)"/g)].map((m) => m[1]);
    expect(states.length).toBeGreaterThan(0);
    const [diagram] = mermaidFences("docs/pods.md", await read("docs/pods.md"));
    const drawn = new Set(
      [...(diagram?.text ?? "").matchAll(/(\w+) --> (\w+)/g)].flatMap((m) => [m[1], m[2]]),
    );
    drawn.delete("alive");
    expect([...drawn].sort()).toEqual([...states].sort());
  });
});

/** `spec` fields of a kind as the reference writes them (`grpc.reflection.noneBut`). */
function fields(schema: Schema, prefix = ""): { path: string; required: boolean }[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    return field.properties
      ? fields(field, `${path}.`)
      : [{ path, required: prefix === "" && (schema.required ?? []).includes(name) }];
  });
}

describe("docs/resources.md", () => {
  test("lists every field of every kind in src/operator/api, with whether it is required", async () => {
    const page = await read("docs/resources.md");
    for (const kind of kinds) {
      const section = page.split(`\n## ${kind.kind}\n`)[1]?.split("\n## ")[0];
      if (section === undefined) throw new Error(`docs/resources.md has no "## ${kind.kind}"`);
      const rows = [...section.matchAll(/^\| `([\w.]+)` +\|[^|]+\| (yes|no) +\|/gm)].map((m) => ({
        path: m[1],
        required: m[2] === "yes",
      }));
      const sort = (list: { path?: string }[]) =>
        [...list].sort((a, b) => String(a.path).localeCompare(String(b.path)));
      expect({ kind: kind.kind, rows: sort(rows) }).toEqual({
        kind: kind.kind,
        rows: sort(fields(kind.spec)),
      });
      for (const short of kind.shortNames) expect(section).toContain(`short name \`${short}\``);
    }
  });
});

describe("the mermaid check", () => {
  test("fails on a broken diagram, naming the file and the line", async () => {
    const page = "# Page\n\ntext\n\n```mermaid\nflowchart LR\n  a --> b\n  b --> {{\n```\n";
    await inTempDir({ "page.md": page }, async (dir) => {
      await expect(checkDiagrams(dir, ["page.md"])).rejects.toThrow(
        /^page\.md:8: broken mermaid diagram: Parse error on line 3/,
      );
    });
  });

  test("passes the diagrams of every page", async () => {
    const pages = ["docs/overview.md", "docs/pods.md", "docs/request-path.md"];
    expect(await checkDiagrams(repoRoot, pages)).toBeGreaterThanOrEqual(4);
  });
});

describe("the link check", () => {
  test("reports a missing page and a missing anchor, and accepts clean URLs", async () => {
    const site = {
      "index.html":
        '<a href="/guide">ok</a><a href="/guide#start">ok</a><a href="/gone">x</a><a href="src/a.ts">x</a>',
      "guide.html":
        '<h2 id="start">Start</h2><a href="./#nowhere">x</a><a href="https://x.y/">ok</a>',
    };
    await inTempDir(site, async (dir) => {
      expect(await checkLinks(dir)).toEqual([
        'guide.html → ./#nowhere: index.html has no element with id "nowhere"',
        "index.html → /gone: no such page or file",
        "index.html → src/a.ts: no such page or file (only Markdown files are pages: name a source file as `code`, not a link)",
      ]);
    });
  });
});
