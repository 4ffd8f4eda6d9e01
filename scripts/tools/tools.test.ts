// Tools: real installs of crictl and kubectl (from the local cluster's cached builds) run through
// `bun run tool` from a subdirectory; downloads checked against pinned checksums, served locally.
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ChecksumMismatch, findTool, installTool, type Tool } from "./index.ts";

const root = resolve(import.meta.dir, "../..");
const scratch = await mkdtemp(join(tmpdir(), "vimana-tools-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

function bunRun(cwd: string, args: readonly string[]) {
  const result = Bun.spawnSync(["bun", "run", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() };
}

test("crictl and kubectl install into a bin directory as links to their pinned builds", async () => {
  const binDir = join(scratch, "bin-real");
  for (const name of ["crictl", "kubectl"]) {
    const link = await installTool(findTool(name), { root, binDir });
    expect(link).toBe(join(binDir, name));
    const version = Bun.spawnSync([link, name === "crictl" ? "--version" : "version", "--client"]);
    expect(version.stdout.toString()).toContain(findTool(name).version.replace(/^v/, ""));
  }
}, 600_000);

test("bun run tool runs the tool in the caller's directory (a subdirectory of the checkout)", async () => {
  await mkdir(join(root, "build"), { recursive: true });
  const sub = await mkdtemp(join(root, "build", "tools-test-"));
  try {
    const crictl = bunRun(sub, ["tool", "crictl", "--version"]);
    expect(crictl.err + crictl.out).toContain(
      `crictl version ${findTool("crictl").version.slice(1)}`,
    );
    expect(crictl.code).toBe(0);
    // kustomize reads the kustomization in the current directory: only the caller's has one.
    await writeFile(
      join(sub, "kustomization.yaml"),
      "configMapGenerator:\n- name: from-the-callers-directory\n  literals: [a=b]\n",
    );
    const kubectl = bunRun(sub, ["tool", "kubectl", "kustomize", "."]);
    expect(kubectl.err).not.toContain("error");
    expect(kubectl.out).toContain("name: from-the-callers-directory-");
    expect(kubectl.code).toBe(0);
    const failing = bunRun(sub, ["tool", "kubectl", "no-such-subcommand"]);
    expect(failing.code).not.toBe(0);
  } finally {
    await rm(sub, { recursive: true, force: true });
  }
}, 600_000);

// A release served from 127.0.0.1: a tar.gz holding `demo-1.0.0/demo`, a shell script.
const script = "#!/bin/sh\necho demo 1.0.0\n";
const archiveDir = join(scratch, "archive");
await mkdir(join(archiveDir, "demo-1.0.0"), { recursive: true });
await writeFile(join(archiveDir, "demo-1.0.0", "demo"), script, { mode: 0o755 });
Bun.spawnSync(["tar", "-czf", join(scratch, "demo.tar.gz"), "-C", archiveDir, "demo-1.0.0"]);
const archive = await Bun.file(join(scratch, "demo.tar.gz")).bytes();
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => new Response(archive),
});
afterAll(() => server.stop(true));

const demo: Tool = {
  name: "demo",
  version: "1.0.0",
  sources: [
    {
      kind: "download",
      url: ({ os, arch }) => `http://127.0.0.1:${server.port}/demo-${os}-${arch}.tar.gz`,
      member: "*/demo",
    },
  ],
};
const pinned = createHash("sha256").update(archive).digest("hex");
const key = "demo@1.0.0/linux-x64";

test("a download whose checksum differs fails clearly and leaves nothing in .bin/", async () => {
  const binDir = join(scratch, "bin-mismatch");
  const cacheDir = join(scratch, "cache-mismatch");
  const wrong = "0".repeat(64);
  const install = installTool(demo, {
    root,
    binDir,
    cacheDir,
    platform: "linux-x64",
    checksums: { [key]: wrong },
  });
  await expect(install).rejects.toBeInstanceOf(ChecksumMismatch);
  await expect(install).rejects.toThrow(
    `demo 1.0.0: checksum mismatch for http://127.0.0.1:${server.port}/demo-linux-x64.tar.gz: pinned sha256 ${wrong}, got ${pinned}; nothing installed`,
  );
  expect(existsSync(binDir) ? readdirSync(binDir) : []).toEqual([]);
  expect(existsSync(join(cacheDir, "demo-1.0.0", "demo"))).toBe(false);
});

test("a download matching its pinned checksum is unpacked, linked and runs", async () => {
  const binDir = join(scratch, "bin-match");
  const link = await installTool(demo, {
    root,
    binDir,
    cacheDir: join(scratch, "cache-match"),
    platform: "linux-x64",
    checksums: { [key]: pinned },
  });
  expect(Bun.spawnSync([link]).stdout.toString()).toBe("demo 1.0.0\n");
  expect(readdirSync(binDir)).toEqual(["demo"]);
});

test("without a pinned checksum or another source, the error lists why each source was passed over", async () => {
  const install = installTool(demo, { root, binDir: join(scratch, "bin-none"), checksums: {} });
  await expect(install).rejects.toThrow(
    /no source worked on this machine:\n {2}download: no pinned checksum for demo@1\.0\.0\//,
  );
});
