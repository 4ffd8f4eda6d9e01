// update-deps against a registry stand-in on 127.0.0.1 (npm metadata, Go proxy lists, crates.io
// sparse index), applied to a scratch copy of the real pinned files: the policies, the rewrites,
// and a failed install putting every file back.
import { afterAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { kubernetesVersion } from "../kubernetes/index.ts";
import { toolVersions } from "../tools/index.ts";
import { kubernetesPins, npmPins, toolPins } from "./pins.ts";
import { newestAllowed } from "./policy.ts";
import type { Registries } from "./registries.ts";
import { apply, plan } from "./update.ts";

const root = resolve(import.meta.dir, "../..");
const files = [
  "package.json",
  "bun.lock",
  "scripts/tools/versions.ts",
  "scripts/kubernetes/versions.ts",
];

test("policies: newest stable in the same major (minor below 1.0), or the same minor", () => {
  const available = ["1.2.3", "1.2.9", "1.9.0", "1.10.0-rc.1", "2.0.0", "1.1.0"];
  expect(newestAllowed("1.2.3", available, "compatible")).toBe("1.9.0");
  expect(newestAllowed("1.2.3", available, "patch")).toBe("1.2.9");
  expect(newestAllowed("0.3.1", ["0.3.4", "0.4.0", "1.0.0"], "compatible")).toBe("0.3.4");
  expect(newestAllowed("v1.34.4", ["v1.34.5", "v1.35.0", "1.34.9"], "patch")).toBe("v1.34.5");
  expect(newestAllowed("2.0.0", available, "compatible")).toBeUndefined();
});

// What the stand-in registry lists: one newer allowed version of a few pins, and a disallowed one.
const [k8sMajor, k8sMinor, k8sPatch] = kubernetesVersion.slice(1).split(".").map(Number) as [
  number,
  number,
  number,
];
const nextKubernetes = `v${k8sMajor}.${k8sMinor}.${k8sPatch + 3}`;
const tooNewGo = `v${k8sMajor}.${k8sMinor}.${k8sPatch + 4}`;
const hono = "hono";
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === `/npm/${hono}`) {
      return Response.json({ versions: { "4.99.1": {}, "5.0.0": {}, "4.99.2-beta.1": {} } });
    }
    if (path.startsWith("/npm/")) return Response.json({ versions: {} });
    if (path === "/go/k8s.io/kubernetes/@v/list") {
      return new Response(`${nextKubernetes}\n${tooNewGo}\nv${k8sMajor}.${k8sMinor + 1}.0\n`);
    }
    // The newest patch needs a Go this machine lacks: the one before it is taken.
    if (path === `/go/k8s.io/kubernetes/@v/${tooNewGo}.mod`) {
      return new Response("module k8s.io/kubernetes\n\ngo 1.99.0\n");
    }
    if (path === `/go/k8s.io/kubernetes/@v/${nextKubernetes}.mod`) {
      return new Response("module k8s.io/kubernetes\n\ngo 1.26.0\n");
    }
    if (path === "/go/k8s.io/kops/@v/list") return new Response("gone", { status: 403 });
    if (path.startsWith("/go/")) return new Response("");
    if (path === "/crates/wa/sm/wasm-tools") {
      const line = (vers: string, yanked: boolean) => JSON.stringify({ vers, yanked });
      return new Response(`${line("1.999.0", false)}\n${line("1.999.1", true)}\n`);
    }
    return new Response("");
  },
});
const registries: Registries = {
  npm: `http://127.0.0.1:${server.port}/npm`,
  goProxy: `http://127.0.0.1:${server.port}/go`,
  cratesIndex: `http://127.0.0.1:${server.port}/crates`,
  goToolchain: "1.26.8",
};
const scratch = await mkdtemp(join(tmpdir(), "vimana-update-deps-"));
afterAll(async () => {
  server.stop(true);
  await rm(scratch, { recursive: true, force: true });
});

async function scratchCopy(name: string): Promise<string> {
  const dir = join(scratch, name);
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), await readFile(join(root, file)));
  }
  return dir;
}

async function realPlan() {
  const versions = await import("../kubernetes/versions.ts");
  const pins = [
    ...npmPins(await readFile(join(root, "package.json"), "utf8")),
    ...toolPins(toolVersions),
    ...kubernetesPins(versions),
  ];
  return plan(pins, registries);
}

test("the plan: allowed versions only; an unreachable list is reported, not fatal", async () => {
  const { changes, unchecked } = await realPlan();
  expect(changes.map((c) => `${c.pin.name} ${c.pin.current} → ${c.next}`).sort()).toEqual(
    [
      `hono ${(await import("../../package.json")).dependencies.hono} → 4.99.1`,
      `kubernetesVersion ${kubernetesVersion} → ${nextKubernetes}`,
      `wasm-tools ${toolVersions["wasm-tools"]} → 1.999.0`,
    ].sort(),
  );
  expect(unchecked).toEqual([
    `kops (scripts/tools/versions.ts): ${registries.goProxy}/k8s.io/kops/@v/list answered 403`,
  ]);
});

test("applied to a scratch copy: each file rewritten in place, then the install runs", async () => {
  const dir = await scratchCopy("applied");
  const { changes } = await realPlan();
  await apply(changes, {
    root: dir,
    install: ["sh", "-c", "echo installed >> bun.lock"],
    restore: ["false"],
    log: () => {},
  });
  const after = async (file: string) => readFile(join(dir, file), "utf8");
  const before = async (file: string) => readFile(join(root, file), "utf8");
  expect(await after("package.json")).toContain('"hono": "4.99.1"');
  expect(await after("scripts/kubernetes/versions.ts")).toContain(
    `export const kubernetesVersion = "${nextKubernetes}";`,
  );
  expect(await after("scripts/tools/versions.ts")).toContain('"wasm-tools": "1.999.0",');
  expect(await after("bun.lock")).toBe(`${await before("bun.lock")}installed\n`);
  // Nothing else in the files moved.
  const lines = async (file: string) => {
    const [a, b] = [(await before(file)).split("\n"), (await after(file)).split("\n")];
    return a.filter((line, i) => line !== b[i]).length;
  };
  expect(await lines("package.json")).toBe(1);
  expect(await lines("scripts/kubernetes/versions.ts")).toBe(1);
  expect(await lines("scripts/tools/versions.ts")).toBe(1);
});

test("a failing install puts every file back and reinstalls from the old lock", async () => {
  const dir = await scratchCopy("failed");
  const { changes } = await realPlan();
  const attempt = apply(changes, {
    root: dir,
    install: ["sh", "-c", "echo half-written >> bun.lock; echo 'no such version' >&2; exit 1"],
    restore: ["sh", "-c", "touch restored"],
    log: () => {},
  });
  await expect(attempt).rejects.toThrow(
    "exited 1:\nno such version\nnothing was updated: package.json, scripts/tools/versions.ts, scripts/kubernetes/versions.ts, bun.lock restored",
  );
  for (const file of files) {
    expect(await readFile(join(dir, file), "utf8")).toBe(await readFile(join(root, file), "utf8"));
  }
  expect(await Bun.file(join(dir, "restored")).exists()).toBe(true);
});
