// The docs site: every tracked Markdown file of the repository, README.md as the home page,
// a sidebar per folder, local search, mermaid diagrams drawn at build time.
import { defineConfig } from "vitepress";
import { checkDiagrams, mermaidPlugin } from "./mermaid/index.ts";
import { excludedPaths, pageRewrite, repoRoot, sidebar, siteDir, trackedPages } from "./pages.ts";

export default async () => {
  const pages = trackedPages();
  const diagrams = await checkDiagrams(repoRoot, pages);
  console.log(`docs: ${pages.length} pages, ${diagrams} mermaid diagrams parsed`);
  return defineConfig({
    title: "Vimana",
    description: "gRPC services as WebAssembly components on Kubernetes",
    srcDir: repoRoot,
    srcExclude: excludedPaths(),
    outDir: siteDir,
    cacheDir: `${siteDir}-cache`,
    rewrites: pageRewrite,
    cleanUrls: true,
    lastUpdated: false,
    markdown: { config: (md) => mermaidPlugin(md, repoRoot) },
    themeConfig: {
      nav: [
        { text: "Overview", link: "/docs/overview" },
        { text: "Commands", link: "/docs/commands" },
        { text: "Glossary", link: "/docs/glossary" },
      ],
      sidebar: sidebar(pages),
      search: { provider: "local" },
      outline: { level: [2, 3] },
    },
  });
};
