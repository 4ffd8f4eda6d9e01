import { buildCComponent } from "./c.ts";
import type { WorldRef } from "./component.ts";
import { buildWatComponent } from "./wat.ts";

/** A component to build from source files. */
export interface ComponentSource extends WorldRef {
  language: "wat" | "c";
  /** Files compiled into the module (WAT: exactly one). */
  sources: string[];
  /** Other files the build reads, such as C headers: they count as inputs for caching. */
  headers?: string[];
}

export async function buildComponent(spec: ComponentSource): Promise<Uint8Array> {
  switch (spec.language) {
    case "wat": {
      const [source, ...rest] = spec.sources;
      if (source === undefined || rest.length > 0) {
        throw new Error(`a WAT component has exactly one source, got ${spec.sources.length}`);
      }
      return buildWatComponent(source, spec);
    }
    case "c":
      return buildCComponent(spec.sources, spec);
  }
}

/** Every file whose content determines the build's output. */
export function inputFiles(spec: ComponentSource): string[] {
  return [...spec.sources, ...(spec.headers ?? []), spec.witPath];
}
