import { buildCComponent } from "./c.ts";
import type { WorldRef } from "./component.ts";
import { buildJsComponent } from "./js.ts";
import { buildWatComponent } from "./wat.ts";

/** A component to build from source files. */
export interface ComponentSource extends WorldRef {
  language: "wat" | "c" | "js";
  /**
   * Files compiled into the module (WAT and JS: exactly one, the module itself); for C, `.c`
   * files and object files linked as they are (wit-bindgen's component-type object).
   */
  sources: string[];
  /**
   * Other files the build reads, such as C headers or modules a JS source imports: they count as
   * inputs for caching.
   */
  headers?: string[];
}

export async function buildComponent(spec: ComponentSource): Promise<Uint8Array> {
  switch (spec.language) {
    case "wat":
      return buildWatComponent(onlySource(spec, "WAT"), spec);
    case "c":
      return buildCComponent(spec.sources, spec.headers ?? [], spec);
    case "js":
      return buildJsComponent(onlySource(spec, "JS"), spec);
  }
}

function onlySource(spec: ComponentSource, language: string): string {
  const [source, ...rest] = spec.sources;
  if (source === undefined || rest.length > 0) {
    throw new Error(`a ${language} component has exactly one source, got ${spec.sources.length}`);
  }
  return source;
}

/** Every file whose content determines the build's output. */
export function inputFiles(spec: ComponentSource): string[] {
  return [...spec.sources, ...(spec.headers ?? []), spec.witPath];
}
