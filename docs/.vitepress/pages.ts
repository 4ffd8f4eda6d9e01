// Which files are pages of the site, where they are served, and the sidebar that lists them.
// Every tracked Markdown file of the repository is a page; nothing else is (untracked drafts,
// node_modules, build outputs).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DefaultTheme } from "vitepress";

/** The repository: the site's source directory. */
export const repoRoot = join(import.meta.dirname, "..", "..");

/** Where `bun run docs:build` writes the site (git-ignored, as all of build/). */
export const siteDir = join(repoRoot, "build", "docs");

function git(args: string[]): string[] {
  const result = Bun.spawnSync(["git", ...args], { cwd: repoRoot, stderr: "pipe" });
  if (!result.success) {
    throw new Error(
      `docs: git ${args.join(" ")} failed in ${repoRoot} (the site's pages are the tracked ` +
        `Markdown files, so it needs a git checkout): ${result.stderr.toString().trim()}`,
    );
  }
  return result.stdout.toString().split("\0").filter(Boolean);
}

/** Tracked Markdown files that exist in the work tree, relative to the repository, sorted. */
export function trackedPages(): string[] {
  return git(["ls-files", "-z", "--", "*.md"])
    .filter((path) => existsSync(join(repoRoot, path)))
    .sort();
}

/**
 * Globs VitePress must skip: untracked Markdown and every ignored directory (so it does not
 * even walk node_modules or build outputs).
 */
export function excludedPaths(): string[] {
  const untracked = git(["ls-files", "-z", "--others", "--exclude-standard", "--", "*.md"]);
  const ignored = git([
    "ls-files",
    "-z",
    "--others",
    "--ignored",
    "--exclude-standard",
    "--directory",
  ]);
  return [
    "**/node_modules/**",
    ...untracked,
    ...ignored.map((path) => (path.endsWith("/") ? `${path}**` : path)),
  ];
}

/** `README.md` files become their folder's index page; the root one is the home page. */
export function pageRewrite(path: string): string {
  return path === "README.md" || path.endsWith("/README.md")
    ? path.replace(/README\.md$/, "index.md")
    : path;
}

/** The URL of a page (clean URLs: no `.html`). */
export function pageLink(path: string): string {
  const served = pageRewrite(path).replace(/\.md$/, "");
  return `/${served === "index" ? "" : served.replace(/(^|\/)index$/, "$1")}`;
}

/** A page's title: its first `# ` heading, else its file name. */
export function pageTitle(path: string): string {
  const text = readFileSync(join(repoRoot, path), "utf8");
  const heading = /^# +(.+?)\s*$/m.exec(text)?.[1];
  return heading?.replace(/`/g, "") ?? path.split("/").pop()?.replace(/\.md$/, "") ?? path;
}

/** The newcomer's path, in reading order: the first sidebar group, after the README. */
const startHere = [
  "README.md",
  "docs/overview.md",
  "docs/request-path.md",
  "docs/pods.md",
  "docs/glossary.md",
  "docs/resources.md",
  "docs/commands.md",
];
const folderTitles: Record<string, string> = { "": "More", docs: "Guides" };

/**
 * "Start here" (the newcomer's path), then one group per folder — the root's and docs/ open,
 * the others collapsed — each with its README first, then by file name.
 */
export function sidebar(pages: readonly string[]): DefaultTheme.SidebarItem[] {
  const item = (page: string) => ({ text: pageTitle(page), link: pageLink(page) });
  const groups = new Map<string, string[]>();
  for (const page of pages) {
    if (startHere.includes(page)) continue;
    const folder = dirname(page) === "." ? "" : dirname(page);
    groups.set(folder, [...(groups.get(folder) ?? []), page]);
  }
  const rank = (folder: string) => (folder === "docs" ? 0 : folder === "" ? 1 : 2);
  const folders = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [
    { text: "Start here", items: startHere.filter((page) => pages.includes(page)).map(item) },
    ...folders.map((folder) => ({
      text: folderTitles[folder] ?? `${folder}/`,
      collapsed: rank(folder) === 2,
      items: (groups.get(folder) ?? [])
        .sort((a, b) => Number(b.endsWith("README.md")) - Number(a.endsWith("README.md")))
        .map(item),
    })),
  ];
}
