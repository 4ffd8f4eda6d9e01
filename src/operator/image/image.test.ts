// The operator image: pushed to a real registry, pulled by a real containerd (visible to its CRI
// image service), and its executable runs inside it as user 65532 with only the image's files.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCriClient, criMethods } from "../../../runtime/cri/index.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "../../../runtime/tests/fixtures/index.ts";
import { parseImageRef } from "./image.ts";

let registry: RegistryFixture;
let containerd: ContainerdFixture;
let scratch: string;

beforeAll(async () => {
  [registry, containerd] = await Promise.all([startRegistry(), startContainerd()]);
  scratch = await mkdtemp(join(tmpdir(), "vimana-operator-image-"));
}, 120_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), containerd?.stop()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function run(command: string[]): { code: number; out: string; err: string } {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode ?? -1, out: `${result.stdout}`, err: `${result.stderr}` };
}

test("image references", () => {
  expect(parseImageRef("localhost:5000/vimana-operator:latest")).toEqual({
    registry: "localhost:5000",
    repository: "vimana-operator",
    tag: "latest",
  });
  expect(parseImageRef("127.0.0.1:5000/a/b")).toEqual({
    registry: "127.0.0.1:5000",
    repository: "a/b",
    tag: "latest",
  });
  expect(() => parseImageRef("vimana-operator")).toThrow("REGISTRY/REPOSITORY");
});

test("pushed, pulled by containerd, and `vimana-operator --help` runs inside as 65532", async () => {
  const ref = `${registry.host}/vimana-operator:test`;
  const push = run([
    process.execPath,
    join(import.meta.dir, "..", "main.ts"),
    "image",
    "--push",
    ref,
    "--insecure",
  ]);
  expect(push.code, push.err).toBe(0);
  const pushed = push.out.trim().split("\n").at(-1) ?? "";
  expect(pushed).toMatch(new RegExp(`^${registry.host}/vimana-operator@sha256:[0-9a-f]{64}$`));

  // ctr speaks plain HTTP to the test registry; CRI's PullImage would need a hosts.toml for it.
  const ctr = ["ctr", "--address", containerd.socket, "--namespace", "k8s.io"];
  const pull = run([...ctr, "images", "pull", "--plain-http", ref]);
  expect(pull.code, pull.err).toBe(0);

  const cri = createCriClient(containerd.socket);
  try {
    const status = (await cri.call(criMethods.ImageStatus, {
      image: { image: ref },
    })) as unknown as {
      image?: { id: string; username?: string; uid?: { value: string } };
    };
    expect(status.image?.id).toMatch(/^sha256:/);
    expect(String(status.image?.uid?.value ?? status.image?.username)).toBe("65532");
  } finally {
    cri.close();
  }

  const container = `operator-help-${process.pid}`;
  const help = run([...ctr, "run", "--rm", ref, container, "/vimana-operator", "--help"]);
  expect(help.code, help.err).toBe(0);
  expect(help.out).toContain("Usage: vimana-operator");
  const id = run([...ctr, "run", "--rm", ref, `${container}-id`, "/vimana-operator", "manifests"]);
  expect(id.code, id.err).toBe(0);
  expect(id.out).toContain("name: vimana-operator-system");
}, 300_000);
