import { describe, expect, test } from "bun:test";
import { imageId, pulledAs, repoDigest, repoTag, vimanaImageName } from "./image-names.ts";

const domain = "0123456789abcdef0123456789abcdef";
const digest = `sha256:${"a".repeat(64)}`;

describe("Vimana image names", () => {
  test("a reference names the component and its registry", () => {
    const name = vimanaImageName(`127.0.0.1:5000/${domain}/adder:1.0.0`);
    expect(name?.registry).toBe("127.0.0.1:5000");
    expect(name && imageId(name.component)).toBe(`${domain}:adder@1.0.0`);
    expect(name && repoTag(name)).toBe(`127.0.0.1:5000/${domain}/adder:1.0.0`);
    expect(name && repoDigest(name, digest)).toBe(`127.0.0.1:5000/${domain}/adder@${digest}`);
  });

  test("an image ID names the component, with no registry", () => {
    const name = vimanaImageName(`${domain}:adder@1.0.0`);
    expect(name?.registry).toBeUndefined();
    expect(name && imageId(name.component)).toBe(`${domain}:adder@1.0.0`);
    expect(name && repoTag(name)).toBeUndefined();
    expect(name && repoDigest(name, digest)).toBe(`${domain}/adder@${digest}`);
  });

  test("ordinary images and containerd's IDs are not Vimana's", () => {
    for (const text of [
      "docker.io/library/busybox:1.36",
      "registry.k8s.io/pause:3.10",
      `sha256:${"b".repeat(64)}`,
      "127.0.0.1:5000/vimana/pause:local",
      `127.0.0.1:5000/${domain.toUpperCase()}/adder:1.0.0`,
      `docker.io/library/busybox@${digest}`,
      "",
    ]) {
      expect(vimanaImageName(text)).toBeUndefined();
    }
  });

  test("pulledAs takes the first text that is a reference", () => {
    expect(
      pulledAs([undefined, `${domain}:adder@1.0.0`, `r:1/${domain}/adder:1.0.0`])?.registry,
    ).toBe("r:1");
    expect(pulledAs([`${domain}:adder@1.0.0`])).toBeUndefined();
  });
});
