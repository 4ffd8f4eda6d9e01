// What a Component needs to run: its component bytes (built from source, or a built `.wasm`) and
// the Metadata compiled from its `.proto`. Compiled Metadata is kept per `.proto` content, so an
// edit to a source file rebuilds the component alone.

import { dirname } from "node:path";
import { buildComponent } from "../build/index.ts";
import { compileProtos } from "../compiler/index.ts";
import type { Metadata } from "../metadata/index.ts";
import type { ComponentSpec } from "./project.ts";

export interface Artifacts {
  bytes: Uint8Array;
  metadata: Metadata;
}

/** Every file whose content the component's artifacts depend on: what to watch. */
export function inputsOf(spec: ComponentSpec): string[] {
  return [
    spec.image,
    ...spec.sources,
    ...spec.headers,
    spec.proto,
    ...(spec.wit ? [spec.wit] : []),
  ];
}

export class ArtifactBuilder {
  readonly #metadata = new Map<string, { digest: string; metadata: Promise<Metadata> }>();

  /** Builds; throws with the failing file and line (the build's and compiler's own errors). */
  async build(spec: ComponentSpec): Promise<Artifacts> {
    const [bytes, metadata] = await Promise.all([this.#component(spec), this.#compile(spec.proto)]);
    return { bytes, metadata };
  }

  async #component(spec: ComponentSpec): Promise<Uint8Array> {
    if (spec.language === undefined) return Bun.file(spec.image).bytes();
    return buildComponent({
      language: spec.language,
      sources: [spec.image, ...spec.sources],
      headers: spec.headers,
      witPath: spec.wit as string,
      world: spec.world as string,
    });
  }

  async #compile(proto: string): Promise<Metadata> {
    const digest = new Bun.CryptoHasher("sha256")
      .update(await Bun.file(proto).bytes())
      .digest("hex");
    const cached = this.#metadata.get(proto);
    if (cached?.digest === digest) return cached.metadata;
    const metadata = compileProtos({ files: [proto], includeDirs: [dirname(proto)] }).then(
      (compilation) => compilation.metadata,
    );
    this.#metadata.set(proto, { digest, metadata });
    // A failed compilation is not kept: the next attempt compiles again.
    metadata.catch(() => {
      if (this.#metadata.get(proto)?.metadata === metadata) this.#metadata.delete(proto);
    });
    return metadata;
  }
}
