// A covered method's call per the canonical ABI, generated once per method at load into one
// specialised function: the context's headers and the request lowered as jco's glue lowers them
// (same allocation calls, same order), as flat parameters or into memory, the core export
// called, the response lifted from its flat result or from the memory it points at, then
// `cabi_post_<name>`. No jco task bookkeeping runs (imports called meanwhile get jco's own
// task, ended by a glue patch, glue-patches.ts); traps and fuel behave as on jco's path
// because the same core function runs with the same limit globals.
import { liftBool, liftFlat, liftFrom } from "./lift.ts";
import { f32Bits, f64Bits, lowered, lowerFlat, lowerInto, lowerString } from "./lower.ts";
import { liftString, type MemoryViews, viewsOf } from "./memory.ts";
import { type CanonicalSignature, headersType } from "./signature.ts";
import { REFRESH_VIEW, Source } from "./source.ts";
import { alignment, alignTo, size, type WitType } from "./types.ts";

/** What a call needs of one instance's core module exporting the function. */
export interface CoreExports {
  fn: (...args: unknown[]) => unknown;
  realloc: (oldPtr: number, oldSize: number, align: number, newSize: number) => number;
  memory: WebAssembly.Memory;
  postReturn: ((...args: unknown[]) => unknown) | undefined;
  /** Views of `memory`, kept by the fast path (memory.ts). */
  views?: MemoryViews;
}

/** A record of the request's and response's field keys. */
type FieldRecord = Record<string, unknown>;

export type DirectCall = (
  core: CoreExports,
  headers: readonly (readonly [string, string])[],
  request: FieldRecord,
) => FieldRecord;

/** The generated function's text (for tests and for reading what a method compiles to). */
export function directCallSource(signature: CanonicalSignature): { helpers: string; body: string } {
  const src = new Source();
  src.emit("let m = viewsOf(core), view = m.view;");
  if (signature.paramsInMemory) {
    // The (context, request) tuple; the context record is its headers list.
    const tuple: WitType = { kind: "tuple", items: [headersType, signature.request] };
    src.emit(`const args = core.realloc(0, 0, ${alignment(tuple)}, ${size(tuple)});`);
    src.emit(REFRESH_VIEW);
    lowerInto(src, headersType, "headers", "args");
    const requestAt = alignTo(size(headersType), alignment(signature.request));
    lowerInto(src, signature.request, "request", `args + ${requestAt}`);
    src.emit("const ret = core.fn(args);");
  } else {
    const params = [
      ...lowerFlat(src, headersType, "headers"),
      ...lowerFlat(src, signature.request, "request"),
    ];
    src.emit(`const ret = core.fn(${params.join(", ")});`);
  }
  if (signature.flatResult) {
    src.emit(`const response = ${liftFlat(src, signature.response, "ret")};`);
  } else {
    src.emit(REFRESH_VIEW);
    src.emit(`const response = ${liftFrom(src, signature.response, "ret")};`);
  }
  src.emit("if (core.postReturn !== undefined) core.postReturn(ret);", "return response;");
  return { helpers: src.hoisted.join("\n"), body: src.lines.join("\n") };
}

/** Generates the call for one signature (once per method, at load). */
export function compileDirectCall(signature: CanonicalSignature): DirectCall {
  const { helpers, body } = directCallSource(signature);
  const runtime = { lowerString, lowered, liftBool, liftString, viewsOf, f32Bits, f64Bits };
  const factory = new Function(
    ...Object.keys(runtime),
    `${helpers}\nreturn function directCall(core, headers, request) {\n${body}\n};`,
  ) as (...values: unknown[]) => DirectCall;
  return factory(...Object.values(runtime));
}
