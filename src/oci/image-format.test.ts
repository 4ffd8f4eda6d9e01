import { expect, test } from "bun:test";
import { encodeMetadata } from "../metadata/index.ts";
import { sha256Digest } from "./digest.ts";
import { buildVimanaImage, checkLayers, formatCreated } from "./image-format.ts";

const componentPreamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const component = new Uint8Array([...componentPreamble, 0x00, 0x02, 0x01, 0x61]);
const metadata = encodeMetadata({
  services: [{ name: "foo.bar.AdderService", methods: new Map() }],
});
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test("the config is compact JSON with the original's fields in its order", () => {
  const image = buildVimanaImage(component, metadata, new Date("2025-01-02T03:04:05.678Z"));
  expect(text(image.config)).toBe(
    `{"created":"2025-01-02T03:04:05.678000Z","architecture":"wasm","os":"vimana",` +
      `"layerDigests":["${sha256Digest(component)}","${sha256Digest(metadata)}"],"component":{}}`,
  );
});

test("the manifest is compact JSON: schemaVersion, mediaType, config, two layers", () => {
  const image = buildVimanaImage(component, metadata, new Date("2025-01-02T03:04:05.678Z"));
  expect(text(image.manifest)).toBe(
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
      `"config":{"mediaType":"application/vnd.wasm.config.v0+json","size":${image.config.length},"digest":"${sha256Digest(image.config)}"},` +
      `"layers":[{"mediaType":"application/wasm","size":${component.length},"digest":"${sha256Digest(component)}"},` +
      `{"mediaType":"application/protobuf","size":${metadata.length},"digest":"${sha256Digest(metadata)}"}]}`,
  );
  expect(image.digest).toBe(sha256Digest(image.manifest));
  expect(image.component).toBe(component);
  expect(image.metadata).toBe(metadata);
});

test("the same inputs and time build the same image; another time, another image", () => {
  const at = new Date("2025-06-01T00:00:00.000Z");
  expect(buildVimanaImage(component, metadata, at).digest).toBe(
    buildVimanaImage(component, metadata, at).digest,
  );
  expect(buildVimanaImage(component, metadata, new Date(at.getTime() + 1)).digest).not.toBe(
    buildVimanaImage(component, metadata, at).digest,
  );
});

test("created has microseconds, as Python's %f writes them", () => {
  expect(formatCreated(new Date("2024-12-31T23:59:59.001Z"))).toBe("2024-12-31T23:59:59.001000Z");
  expect(formatCreated(new Date("2024-02-29T00:00:00.000Z"))).toBe("2024-02-29T00:00:00.000000Z");
});

test("a component and decodable Metadata pass the layer check", () => {
  expect(() => checkLayers(component, metadata)).not.toThrow();
});

test.each([
  [
    "a core module",
    new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    "the application/wasm layer is a core WebAssembly module, not a component",
  ],
  [
    "text",
    new TextEncoder().encode("(component)"),
    "the application/wasm layer is not a WebAssembly component (bad magic, version or layer)",
  ],
  [
    "a truncated preamble",
    new Uint8Array(componentPreamble.slice(0, 6)),
    "the application/wasm layer is not a WebAssembly component (bad magic, version or layer)",
  ],
])("the layer check refuses %s as the component", (_, bytes, message) => {
  expect(() => checkLayers(bytes, metadata)).toThrow(message);
});

test("the layer check refuses Metadata that does not decode, and says where", () => {
  // Field 1 (service) as a message whose length runs past the end.
  expect(() => checkLayers(component, new Uint8Array([0x0a, 0x05, 0x0a]))).toThrow(
    /^the application\/protobuf layer is not valid Metadata: Malformed metadata/,
  );
});
