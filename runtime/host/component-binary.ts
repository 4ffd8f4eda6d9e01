// Reads the top-level import and export names of a component binary: enough to check what a
// component asks of the host before transpiling it, and to know its export names exactly as WIT
// spells them (jco's glue renames them to camelCase).
import { ByteReader, hex } from "./bytes.ts";

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const IMPORT_SECTION = 10;
const EXPORT_SECTION = 11;

export type ExternKind = "core-module" | "func" | "value" | "type" | "component" | "instance";

export interface ComponentExtern {
  name: string;
  kind: ExternKind;
}

export interface ComponentInterface {
  imports: ComponentExtern[];
  exports: ComponentExtern[];
}

export function readComponentInterface(bytes: Uint8Array): ComponentInterface {
  if (bytes.length < 8 || PREAMBLE.some((b, i) => bytes[i] !== b)) {
    const isCore = bytes[4] === 0x01 && bytes[5] === 0x00;
    throw new Error(
      isCore
        ? "this is a core WebAssembly module, not a component"
        : "not a WebAssembly component (bad magic, version or layer)",
    );
  }
  const r = new ByteReader(bytes, PREAMBLE.length);
  const result: ComponentInterface = { imports: [], exports: [] };
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const section = new ByteReader(bytes, r.offset, r.offset + size);
    r.skip(size);
    if (id === IMPORT_SECTION) readImports(section, result.imports);
    if (id === EXPORT_SECTION) readExports(section, result.exports);
  }
  return result;
}

function readImports(r: ByteReader, into: ComponentExtern[]): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const name = externName(r);
    into.push({ name, kind: externDesc(r) });
  }
}

function readExports(r: ByteReader, into: ComponentExtern[]): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const name = externName(r);
    const kind = sort(r);
    r.u32(); // index
    if (r.byte() === 0x01) externDesc(r); // the optional ascribed type
    into.push({ name, kind });
  }
}

/** `0x00 name` (the spec's form), or `0x01 name url` (an older one wasmparser still reads). */
function externName(r: ByteReader): string {
  const form = r.byte();
  if (form > 0x01) throw new Error(`unknown extern name form ${hex(form)} at byte ${r.offset}`);
  const name = r.name();
  if (form === 0x01) r.name();
  return name;
}

const kinds: readonly ExternKind[] = [
  "core-module",
  "func",
  "value",
  "type",
  "component",
  "instance",
];

function sort(r: ByteReader): ExternKind {
  const code = r.byte();
  if (code === 0x00) {
    const core = r.byte();
    if (core !== 0x11) throw new Error(`export of core sort ${hex(core)} at byte ${r.offset}`);
  }
  const kind = kinds[code];
  if (!kind) throw new Error(`unknown sort ${hex(code)} at byte ${r.offset}`);
  return kind;
}

function externDesc(r: ByteReader): ExternKind {
  const code = r.byte();
  const kind = kinds[code];
  if (!kind) throw new Error(`unknown extern descriptor ${hex(code)} at byte ${r.offset}`);
  switch (code) {
    case 0x00: // core module: 0x11 type
      r.byte();
      r.u32();
      break;
    case 0x02: // value bound: equal to a value, or of a value type
    case 0x03: // type bound: equal to a type (0x00 idx), or a fresh resource (0x01)
      if (r.byte() === 0x00 || code === 0x02) r.skipLeb();
      break;
    default: // func, component, instance: a type index
      r.u32();
  }
  return kind;
}
