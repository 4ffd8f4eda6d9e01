// Link check over the built site, offline: every internal link must lead to a file of the site
// and every #anchor to an element with that id on the target page.
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

interface Page {
  ids: Set<string>;
  links: string[];
}

async function readPage(file: string): Promise<Page> {
  const page: Page = { ids: new Set(), links: [] };
  const rewriter = new HTMLRewriter()
    .on("[id]", {
      element(el) {
        page.ids.add(el.getAttribute("id") as string);
      },
    })
    .on("a[name]", {
      element(el) {
        page.ids.add(el.getAttribute("name") as string);
      },
    })
    .on("a[href], link[href]", {
      element(el) {
        page.links.push(el.getAttribute("href") as string);
      },
    })
    .on("img[src], script[src]", {
      element(el) {
        page.links.push(el.getAttribute("src") as string);
      },
    });
  await rewriter.transform(new Response(Bun.file(file))).text();
  return page;
}

/** The file a site path is served from, with clean URLs (`/docs/dev` → `docs/dev.html`). */
export function servedFile(files: ReadonlySet<string>, path: string): string | undefined {
  const clean = decodeURIComponent(path).replace(/^\/+/, "");
  const candidates =
    clean === "" || clean.endsWith("/")
      ? [`${clean}index.html`]
      : [clean, `${clean}.html`, `${clean}/index.html`];
  return candidates.find((candidate) => files.has(candidate));
}

/** Problems found, one line each (`page → link: why`); empty when every link resolves. */
export async function checkLinks(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  const files = new Set(
    entries.filter((e) => e.isFile()).map((e) => relative(outDir, join(e.parentPath, e.name))),
  );
  const pages = new Map<string, Page>();
  for (const file of [...files].sort()) {
    if (file.endsWith(".html")) pages.set(file, await readPage(join(outDir, file)));
  }
  const problems: string[] = [];
  for (const [file, page] of pages) {
    const base = new URL(`/${file}`, "http://site.invalid");
    for (const link of page.links) {
      // Other sites (a scheme or `//host`) are not this check's business: it runs offline.
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//")) continue;
      const url = new URL(link, base);
      const target = servedFile(files, url.pathname);
      if (target === undefined) {
        // Only Markdown becomes part of the site: a link to a source file has nothing to open.
        const hint = /\.(?!html$)\w+$/.test(url.pathname)
          ? " (only Markdown files are pages: name a source file as `code`, not a link)"
          : "";
        problems.push(`${file} → ${link}: no such page or file${hint}`);
        continue;
      }
      const anchor = decodeURIComponent(url.hash.slice(1));
      if (anchor !== "" && !pages.get(target)?.ids.has(anchor)) {
        problems.push(`${file} → ${link}: ${target} has no element with id "${anchor}"`);
      }
    }
  }
  return problems;
}
