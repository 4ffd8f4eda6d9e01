import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { goBinaryName } from "./binaries.ts";
import { binaryPaths, ensureBinaries, kubernetesVersion } from "./index.ts";
import { withBuildLock } from "./lock.ts";

const savedCache = process.env.XDG_CACHE_HOME;
const dirs: string[] = [];
afterEach(() => {
  // Assigning undefined would store the string "undefined".
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "vimana-kube-binaries-"));
  dirs.push(dir);
  return dir;
}

describe("the binaries' cache", () => {
  test("one directory per project and version under $XDG_CACHE_HOME/vimana", () => {
    process.env.XDG_CACHE_HOME = "/cache";
    const paths = binaryPaths();
    expect(paths.kubelet).toBe(`/cache/vimana/kubernetes/${kubernetesVersion}/kubelet`);
    expect(paths.etcd).toMatch(/^\/cache\/vimana\/etcd\/v3\.\d+\.\d+\/etcd$/);
    expect(paths.crictl).toMatch(/^\/cache\/vimana\/cri-tools\/v1\.\d+\.\d+\/crictl$/);
  });

  test("nothing is built when every binary is there", async () => {
    process.env.XDG_CACHE_HOME = scratch();
    for (const path of Object.values(binaryPaths())) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, "");
    }
    const lines: string[] = [];
    const paths = await ensureBinaries({ log: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    expect(paths).toEqual(binaryPaths());
  });
});

describe("withBuildLock", () => {
  test("runs one holder at a time and takes over a lock whose holder died", async () => {
    const lock = join(scratch(), "build.lock");
    // A pid that cannot run: the lock file of a crashed build.
    writeFileSync(lock, "2147483646");
    const order: string[] = [];
    const work = (name: string) => async () => {
      order.push(`${name} in`);
      await Bun.sleep(50);
      order.push(`${name} out`);
    };
    await Promise.all([
      withBuildLock(lock, () => {}, work("a")),
      withBuildLock(lock, () => {}, work("b")),
    ]);
    // Whichever got it first, the other started only after it finished.
    const first = order[0]?.split(" ")[0];
    const second = first === "a" ? "b" : "a";
    expect(order).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
  });
});

describe("goBinaryName", () => {
  test("is the file go build -o DIR/ writes: a major-version suffix is skipped (etcd's server/v3)", () => {
    expect(goBinaryName("go.etcd.io/etcd/server/v3")).toBe("server");
    expect(goBinaryName("k8s.io/kubernetes/cmd/kubelet")).toBe("kubelet");
    expect(goBinaryName("sigs.k8s.io/cri-tools/cmd/crictl")).toBe("crictl");
  });
});
