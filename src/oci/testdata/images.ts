// Test images: the adder and multiplier examples (real components with real Metadata), names
// in fresh random domains, and ways to look at what a registry stores and is asked for.
import { join } from "node:path";
import { buildExamples } from "../../../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../../../examples/index.ts";
import { type ComponentName, componentName, parseDomainUuid } from "../../names/index.ts";
import type { Fetch } from "../client.ts";

export interface Layers {
  readonly component: Uint8Array;
  readonly metadata: Uint8Array;
}

/** Builds (or reuses) a WAT example and reads its component and Metadata. */
export async function exampleLayers(name: "adder-wat" | "multiplier-wat"): Promise<Layers> {
  const [result] = await buildExamples({ only: [name] });
  if (result?.outcome === "failed") throw result.error;
  const example = exampleComponents.find((candidate) => candidate.name === name);
  if (example === undefined) throw new Error(`no example ${name}`);
  return {
    component: await Bun.file(builtPath(example)).bytes(),
    metadata: await Bun.file(metadataPath(example)).bytes(),
  };
}

/** A component name in a random domain, so tests sharing a registry never collide. */
export function randomComponentName(server = "adder", version = "1.0.0"): ComponentName {
  return componentName(parseDomainUuid(crypto.randomUUID().replaceAll("-", "")), server, version);
}

/**
 * The component with a custom section of random bytes appended: still a valid component, but
 * its own blob, so corrupting it in the registry's storage affects no other test.
 */
export function uniqueComponent(component: Uint8Array): Uint8Array {
  const name = crypto.randomUUID().replaceAll("-", "");
  // Custom section: id 0, byte size, then the name as a length-prefixed string.
  const section = [0, name.length + 1, name.length, ...new TextEncoder().encode(name)];
  return new Uint8Array([...component, ...section]);
}

/** Where docker-registry's filesystem driver keeps a blob's bytes. */
export function registryBlobPath(registryDir: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return join(registryDir, "storage/docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** The answer's `Location` header, once it came. */
  location?: string | null;
}

/** `fetch` that records every request it passes on. */
export function recordingFetch(): { fetch: Fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    fetch: async (input, init) => {
      const request: RecordedRequest = { method: init?.method ?? "GET", url: String(input) };
      requests.push(request);
      const response = await fetch(input, init);
      request.location = response.headers.get("location");
      return response;
    },
  };
}

/** How many GETs went to blob URLs (not manifests, not token endpoints). */
export function blobGets(requests: readonly RecordedRequest[]): number {
  return requests.filter((r) => r.method === "GET" && /\/v2\/.+\/blobs\/sha256:/.test(r.url))
    .length;
}
