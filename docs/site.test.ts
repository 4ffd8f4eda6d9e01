// The docs site as a reader gets it: `bun run docs:build` (which link-checks), then the built
// pages in Debian's chromium — the home page, the overview's architecture diagram (an SVG,
// themed in light and dark) and a local search. Screenshots land in build/docs-screenshots.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { checkLinks, repoRoot, servedFile, siteDir } from "./.vitepress/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const screenshots = join(repoRoot, "build", "docs-screenshots");

let built = false;

test("bun run docs:build writes the site and every internal link and anchor resolves", async () => {
  const build = Bun.spawn([process.execPath, "run", "docs:build"], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
    build.exited,
  ]);
  if (code !== 0) throw new Error(`bun run docs:build exited ${code}:\n${out}\n${err}`);
  expect(await checkLinks(siteDir)).toEqual([]);
  for (const page of ["index.html", "docs/overview.html", "docs/commands.html", "docs/pods.html"]) {
    expect(await Bun.file(join(siteDir, page)).exists()).toBe(true);
  }
  built = true;
}, 600_000);

/** The built site on a loopback port, with clean URLs as a static host serves them. */
async function serveSite(dir: string) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Set(
    entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))),
  );
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const file = servedFile(files, new URL(request.url).pathname);
      return file === undefined
        ? new Response(Bun.file(join(dir, "404.html")), { status: 404 })
        : new Response(Bun.file(join(dir, file)));
    },
  });
}

describe("in chromium", () => {
  let server: Awaited<ReturnType<typeof serveSite>> | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;
  const url = (path: string) => `http://127.0.0.1:${server?.port}${path}`;

  beforeAll(async () => {
    if (!built) return;
    server = await serveSite(siteDir);
    profile = await mkdtemp(join(tmpdir(), "vimana-docs-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Nothing outside the site may be needed to show it (fonts, scripts, diagrams).
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
    await mkdir(screenshots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop(true);
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  function requireSite() {
    if (!built) throw new Error("the site was not built (see the docs:build test)");
  }

  test("the home page is the README, with the sidebar", async () => {
    requireSite();
    await page.goto(url("/"));
    await expect(page.locator("main h1").first().textContent()).resolves.toContain("Vimana");
    await expect(page.title()).resolves.toContain("Vimana");
    const sidebar = await page.locator(".VPSidebar").textContent();
    for (const title of ["Overview", "Glossary", "Commands", "The pod state machine"]) {
      expect(sidebar).toContain(title);
    }
    await page.screenshot({ path: join(screenshots, "home.png"), fullPage: false });
  }, 60_000);

  test("the overview draws the architecture as an SVG, in light and dark themes", async () => {
    requireSite();
    await page.goto(url("/docs/overview"));
    const diagram = page.locator(".mermaid-diagram svg").first();
    await diagram.waitFor();
    const labels = await diagram.locator("text").allTextContents();
    for (const label of ["kubelet", "vimanad", "containerd", "operator", "Envoy Gateway"]) {
      expect(labels).toContain(label);
    }
    const box = await diagram.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    // Browser-side code as a string: the project's TypeScript has no DOM library.
    const textColour = (): Promise<string> =>
      page.evaluate(
        "getComputedStyle(document.querySelector('.mermaid-diagram svg g.node text')).fill",
      );
    const light = await textColour();
    await page.screenshot({ path: join(screenshots, "overview.png"), fullPage: true });
    // The theme follows the reader's preference: the same SVG, redrawn by CSS alone.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await diagram.waitFor();
    await expect(page.locator("html.dark").count()).resolves.toBe(1);
    const dark = await textColour();
    // The sticky navigation bar would cover the diagram's top.
    await diagram.screenshot({
      path: join(screenshots, "overview-diagram-dark.png"),
      style: ".VPNav { visibility: hidden; }",
    });
    await page.emulateMedia({ colorScheme: "light" });
    expect(brightness(light)).toBeLessThan(0.5);
    expect(brightness(dark)).toBeGreaterThan(0.5);
  }, 60_000);

  test("bun run docs serves the pages, diagrams drawn", async () => {
    requireSite();
    // A free loopback port: bind one, let it go, hand it to the dev server.
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = probe.port;
    await probe.stop(true);
    const dev = Bun.spawn(
      [process.execPath, "run", "docs", "--port", String(port), "--host", "127.0.0.1"],
      // Under CI=true VitePress colours its output (picocolors): the port is set in bold.
      { cwd: repoRoot, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
    );
    try {
      const output = dev.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what it strips
      while (!printed.replace(/\x1b\[[0-9;]*m/g, "").includes(`127.0.0.1:${port}`)) {
        const { value, done } = await output.read();
        if (done) throw new Error(`bun run docs ended: ${printed}${await dev.stderr.text()}`);
        printed += value;
      }
      output.releaseLock();
      await page.goto(`http://127.0.0.1:${port}/docs/pods`);
      const labels = page.locator(".mermaid-diagram svg").first().locator("text");
      await labels.first().waitFor();
      expect(await labels.allTextContents()).toContain("Running");
    } finally {
      dev.kill();
      await dev.exited;
    }
  }, 120_000);

  test('a local search for "GRPCRoute" finds the pages that explain it', async () => {
    requireSite();
    await page.goto(url("/"));
    await page.locator(".DocSearch-Button").click();
    await page.locator("#localsearch-input").fill("GRPCRoute");
    const results = page.locator("#localsearch-list li");
    await results.first().waitFor();
    const titles = await results.allInnerTexts();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.join("\n")).toContain("GRPCRoute");
    expect(titles.some((t) => t.includes("Resources"))).toBe(true);
    await page.screenshot({ path: join(screenshots, "search.png") });
  }, 60_000);
});

/** 0 (black) to 1 (white) for a computed `rgb(…)` colour. */
function brightness(colour: string): number {
  const [r, g, b] = (/rgba?\(([^)]+)\)/.exec(colour)?.[1] ?? "")
    .split(",")
    .map((n) => Number.parseFloat(n));
  if (r === undefined || g === undefined || b === undefined) {
    throw new Error(`not an rgb() colour: ${colour}`);
  }
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
