import { expect, test } from "bun:test";
import { parseVimanaManifest } from "./manifest.ts";

const digest = (char: string) => `sha256:${char.repeat(64)}`;
const config = { mediaType: "application/vnd.wasm.config.v0+json", size: 150, digest: digest("c") };
const component = { mediaType: "application/wasm", size: 1000, digest: digest("a") };
const metadata = { mediaType: "application/protobuf", size: 40, digest: digest("b") };
const good = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config,
  layers: [component, metadata],
};

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

test("a Vimana manifest gives its config, component and metadata descriptors", () => {
  expect(parseVimanaManifest(bytes(good))).toEqual({ config, component, metadata });
});

test("extra fields (annotations, urls) and a missing manifest mediaType are accepted", () => {
  const { mediaType: _, ...withoutMediaType } = good;
  const annotated = {
    ...withoutMediaType,
    annotations: { "org.opencontainers.image.created": "now" },
    layers: [{ ...component, urls: ["https://example.com/blob"] }, metadata],
  };
  expect(parseVimanaManifest(bytes(annotated))).toEqual({ config, component, metadata });
});

test.each([0, 1, 3])("a manifest with %d layers is refused with the original's message", (n) => {
  const layers = [component, metadata, component].slice(0, n);
  expect(() => parseVimanaManifest(bytes({ ...good, layers }))).toThrow(
    `Unexpected container layer count: ${n}`,
  );
});

test.each([
  ["not JSON", new TextEncoder().encode("{"), /^Failed decoding manifest: /],
  ["a JSON array", bytes([good]), "Failed decoding manifest: not a JSON object"],
  [
    "schemaVersion 1",
    bytes({ ...good, schemaVersion: 1 }),
    "Unsupported manifest schemaVersion: 1",
  ],
  [
    "a Docker manifest",
    bytes({ ...good, mediaType: "application/vnd.docker.distribution.manifest.v2+json" }),
    'Unexpected manifest mediaType: "application/vnd.docker.distribution.manifest.v2+json"',
  ],
  ["no layers", bytes({ ...good, layers: undefined }), "Manifest has no layers array"],
  [
    "an OCI image config",
    bytes({
      ...good,
      config: { ...config, mediaType: "application/vnd.oci.image.config.v1+json" },
    }),
    'Manifest config has mediaType "application/vnd.oci.image.config.v1+json", expected "application/vnd.wasm.config.v0+json"',
  ],
  [
    "the layers swapped",
    bytes({ ...good, layers: [metadata, component] }),
    'Manifest layer 0 has mediaType "application/protobuf", expected "application/wasm"',
  ],
  [
    "a tar layer",
    bytes({
      ...good,
      layers: [component, { ...metadata, mediaType: "application/vnd.oci.image.layer.v1.tar" }],
    }),
    'Manifest layer 1 has mediaType "application/vnd.oci.image.layer.v1.tar", expected "application/protobuf"',
  ],
  [
    "a sha512 digest",
    bytes({ ...good, layers: [{ ...component, digest: `sha512:${"a".repeat(128)}` }, metadata] }),
    `Manifest layer 0 has digest "sha512:${"a".repeat(128)}", expected sha256:<hex>`,
  ],
  [
    "an uppercase digest",
    bytes({ ...good, config: { ...config, digest: `sha256:${"A".repeat(64)}` } }),
    `Manifest config has digest "sha256:${"A".repeat(64)}", expected sha256:<hex>`,
  ],
  [
    "a negative size",
    bytes({ ...good, layers: [component, { ...metadata, size: -1 }] }),
    "Manifest layer 1 has size -1, expected a byte count",
  ],
  [
    "a size as a string",
    bytes({ ...good, layers: [{ ...component, size: "1000" }, metadata] }),
    'Manifest layer 0 has size "1000", expected a byte count',
  ],
  [
    "a layer that is no object",
    bytes({ ...good, layers: [component, "sha256:b"] }),
    "Manifest layer 1 is not a descriptor object",
  ],
])("a manifest with %s is refused", (_, manifest, message) => {
  expect(() => parseVimanaManifest(manifest)).toThrow(message);
});
