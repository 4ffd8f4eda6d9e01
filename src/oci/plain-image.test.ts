import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type RegistryFixture, startRegistry } from "../../runtime/tests/fixtures/index.ts";
import { sha256Digest } from "./digest.ts";
import { buildPlainImage, type ImageFile, pushPlainImage } from "./index.ts";

const scratch = mkdtempSync(join(tmpdir(), "vimana-plain-image-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hostFile = join(scratch, "tool");
writeFileSync(hostFile, "#!/bin/sh\necho tool\n");
const longDir = `/opt/${"d".repeat(90)}/${"e".repeat(40)}`;
const files: ImageFile[] = [
  { path: "/usr/local/bin/tool", from: hostFile, mode: 0o750 },
  { path: "/etc/greeting", contents: "hello\n" },
  { path: "/bin/alias", symlink: "../usr/local/bin/tool" },
  { path: "/tmp", directory: true, mode: 0o1777 },
  { path: `${longDir}/file`, contents: "deep" },
];
const run = {
  entrypoint: ["/usr/local/bin/tool"],
  cmd: ["--flag"],
  user: "65532:65532",
  env: ["A=b"],
};

describe("buildPlainImage", () => {
  const image = buildPlainImage(files, run);

  test("one gzip tar layer that tar extracts with the modes, symlinks and long paths given", () => {
    const out = join(scratch, "extracted");
    writeFileSync(join(scratch, "layer.tar.gz"), image.layer);
    Bun.spawnSync(["mkdir", "-p", out]);
    const tar = Bun.spawnSync(["tar", "-xzf", join(scratch, "layer.tar.gz"), "-C", out]);
    expect(`${tar.stderr}`).toBe("");
    expect(lstatSync(join(out, "usr/local/bin/tool")).mode & 0o7777).toBe(0o750);
    expect(readFileSync(join(out, "usr/local/bin/tool"), "utf8")).toBe("#!/bin/sh\necho tool\n");
    expect(lstatSync(join(out, "etc/greeting")).mode & 0o7777).toBe(0o644);
    expect(readlinkSync(join(out, "bin/alias"))).toBe("../usr/local/bin/tool");
    expect(lstatSync(join(out, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(readFileSync(join(out, longDir.slice(1), "file"), "utf8")).toBe("deep");
    const listing = `${Bun.spawnSync(["tar", "-tvzf", join(scratch, "layer.tar.gz")]).stdout}`;
    expect(listing).toContain("root/root");
  });

  test("config and manifest describe the layer and what to run", () => {
    const config = JSON.parse(new TextDecoder().decode(image.config));
    expect(config.config).toEqual({
      User: "65532:65532",
      Env: ["A=b"],
      Entrypoint: ["/usr/local/bin/tool"],
      Cmd: ["--flag"],
    });
    expect(config.os).toBe("linux");
    expect(config.rootfs.diff_ids).toEqual([sha256Digest(new Uint8Array(gunzipSync(image.layer)))]);
    const manifest = JSON.parse(new TextDecoder().decode(image.manifest));
    expect(manifest.config.digest).toBe(sha256Digest(image.config));
    expect(manifest.layers).toEqual([
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        size: image.layer.byteLength,
        digest: sha256Digest(image.layer),
      },
    ]);
    expect(image.digest).toBe(sha256Digest(image.manifest));
  });

  test("is reproducible: the same inputs give the same digest", () => {
    expect(buildPlainImage(files, run).digest).toBe(image.digest);
  });

  test("refuses relative paths and parent references", () => {
    expect(() => buildPlainImage([{ path: "etc/x", contents: "" }], {})).toThrow(
      /must be absolute/,
    );
    expect(() => buildPlainImage([{ path: "/a/../x", contents: "" }], {})).toThrow(
      /must be absolute/,
    );
  });
});

describe("pushPlainImage", () => {
  let registry: RegistryFixture;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry.stop();
  });

  test("a registry serves the manifest and blobs back under the tag", async () => {
    const image = buildPlainImage(files, run);
    const reference = await pushPlainImage({
      registry: registry.host,
      insecure: true,
      repository: "test/plain",
      tag: "v1",
      image,
    });
    expect(reference).toBe(`${registry.host}/test/plain@${image.digest}`);
    const manifest = await fetch(`${registry.url}/v2/test/plain/manifests/v1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(manifest.headers.get("docker-content-digest")).toBe(image.digest);
    const layer = new Uint8Array(
      await (
        await fetch(`${registry.url}/v2/test/plain/blobs/${sha256Digest(image.layer)}`)
      ).arrayBuffer(),
    );
    expect(sha256Digest(layer)).toBe(sha256Digest(image.layer));
  });
});
