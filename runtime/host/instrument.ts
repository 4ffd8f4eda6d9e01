// Rewrites core modules so the host can bound what one call may consume:
// - fuel: a counter shared by every core module of an instance, charged one unit at each function
//   entry and each loop iteration; the call traps (`unreachable`) once it goes negative. Any
//   unbounded computation enters a function or repeats a loop, so it runs out.
// - memory: a failed `memory.grow` sets a flag, so a trap that follows is reported as the memory
//   cap being hit; `capMemory` lowers each memory's declared maximum to the cap, so the engine
//   itself refuses growth beyond it, and makes it shared, so growing never copies it.
// The counter, the flag and a scratch slot are imported globals: one `WebAssembly.Global` each per
// instance, set by the host before every call.
import { ByteReader, ByteWriter, hex, u32Bytes } from "./bytes.ts";
import { skipBlockType, skipImmediates, skipValType } from "./instructions.ts";

/** The import module and names of the globals every instrumented module imports. */
export const limitsImport = {
  module: "vimana:limits",
  /** (mut i32): fuel left for this call; negative means spent. */
  fuel: "fuel",
  /** (mut i32): 1 once a `memory.grow` has failed during this call. */
  growFailed: "memory-grow-failed",
  /** (mut i32): holds `memory.grow`'s result while the flag is updated (wasm has no `dup`). */
  scratch: "scratch",
} as const;

/** Bump when the rewrite changes, so cached instrumented modules are redone. */
export const INSTRUMENTATION_VERSION = 2;

const WASM_PAGE = 65536;
const ADDED_GLOBALS = 3;

const Section = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Memory: 5,
  Global: 6,
  Export: 7,
  Element: 9,
  Code: 10,
  Data: 11,
} as const;

const Op = { Loop: 0x03, End: 0x0b, GlobalGet: 0x23, GlobalSet: 0x24, MemoryGrow: 0x40 } as const;

const EXTERN_GLOBAL = 0x03;

interface Rewrite {
  /** Globals imported by the original module; later indices move up by ADDED_GLOBALS. */
  importedGlobals: number;
  importedFunctions: number;
  /** Inserted at function entry and after every `loop`. */
  charge: Uint8Array;
  /** Inserted after every `memory.grow`. */
  afterGrow: Uint8Array;
}

/** Adds fuel metering and memory-growth tracking to a core module. */
export function instrument(module: Uint8Array): Uint8Array {
  const sections = readSections(module);
  const imports = sections.find((s) => s.id === Section.Import);
  const counts = imports ? countImports(module, imports) : { globals: 0, functions: 0 };
  const fuel = counts.globals;
  const growFailed = fuel + 1;
  const scratch = fuel + 2;
  const rewrite: Rewrite = {
    importedGlobals: counts.globals,
    importedFunctions: counts.functions,
    // fuel -= 1; if (fuel < 0) unreachable. An i32 counter: in JavaScriptCore an i64 one costs
    // twice the overhead on a tight loop (measured: ~13% vs ~6%).
    charge: Uint8Array.from([
      ...[Op.GlobalGet, ...u32Bytes(fuel), 0x41, 0x01, 0x6b], // global.get, i32.const 1, i32.sub
      ...[Op.GlobalSet, ...u32Bytes(fuel)],
      ...[Op.GlobalGet, ...u32Bytes(fuel), 0x41, 0x00, 0x48], // i32.const 0, i32.lt_s
      ...[0x04, 0x40, 0x00, Op.End], // if unreachable end
    ]),
    // stack [r] → scratch = r; growFailed |= (r == -1); stack [r]
    afterGrow: Uint8Array.from([
      ...[Op.GlobalSet, ...u32Bytes(scratch), Op.GlobalGet, ...u32Bytes(scratch)],
      ...[Op.GlobalGet, ...u32Bytes(scratch), 0x41, 0x7f, 0x46], // i32.const -1, i32.eq
      ...[Op.GlobalGet, ...u32Bytes(growFailed), 0x72, Op.GlobalSet, ...u32Bytes(growFailed)],
    ]),
  };

  const out = new ByteWriter(Math.ceil(module.length * 1.1));
  out.bytes(module.subarray(0, 8));
  let importsWritten = false;
  for (const section of sections) {
    if (!importsWritten && section.id !== Section.Custom && section.id !== Section.Type) {
      out.section(
        Section.Import,
        rewriteImports(module, section.id === Section.Import ? section : undefined),
      );
      importsWritten = true;
      if (section.id === Section.Import) continue;
    }
    const r = new ByteReader(module, section.start, section.end);
    switch (section.id) {
      case Section.Global:
        out.section(section.id, rewriteGlobals(r, rewrite));
        break;
      case Section.Export:
        out.section(section.id, rewriteExports(r, rewrite));
        break;
      case Section.Element:
        out.section(section.id, rewriteElements(r, rewrite));
        break;
      case Section.Code:
        out.section(section.id, rewriteCode(r, rewrite));
        break;
      case Section.Data:
        out.section(section.id, rewriteData(r, rewrite));
        break;
      case Section.Custom:
        out.section(section.id, rewriteCustom(r, rewrite));
        break;
      default:
        out.bytes(module.subarray(section.headerStart, section.end));
    }
  }
  if (!importsWritten) out.section(Section.Import, rewriteImports(module, undefined));
  return out.finish();
}

/**
 * Makes every memory the module defines or imports shared, with its maximum lowered to
 * `maxBytes` (whole pages), so `memory.grow` past it returns -1. Fails if a memory's minimum is
 * already above the cap.
 *
 * Shared, because JavaScriptCore reserves a shared memory's maximum up front and grows it in
 * place, while it copies an unshared one on every grow (fast memory is off, docs/vimanad.md):
 * growing one page at a time to 125 MiB took 123 ms shared and 129 s unshared, blocking every
 * other call meanwhile. Instructions and glue work on it unchanged; only `memory.buffer` is a
 * SharedArrayBuffer. Imports are rewritten too, since an import must match the memory's type.
 */
export function capMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  const capPages = Math.floor(maxBytes / WASM_PAGE);
  const sections = readSections(module);
  const memory = sections.find((s) => s.id === Section.Memory);
  const imports = sections.find((s) => s.id === Section.Import);
  if (!memory && !(imports && importsMemory(module, imports))) return module;
  const out = new ByteWriter(module.length + 16);
  out.bytes(module.subarray(0, 8));
  for (const section of sections) {
    const r = new ByteReader(module, section.start, section.end);
    if (section === memory) {
      const w = new ByteWriter();
      const count = r.u32();
      w.u32(count);
      for (let i = 0; i < count; i++) writeSharedLimits(r, w, capPages, `memory ${i}`);
      out.section(Section.Memory, w);
    } else if (section === imports) {
      out.section(Section.Import, shareImportedMemories(r, capPages));
    } else {
      out.bytes(module.subarray(section.headerStart, section.end));
    }
  }
  return out.finish();
}

/** Copies one memory's limits as shared, with the maximum at most `capPages`. */
function writeSharedLimits(r: ByteReader, w: ByteWriter, capPages: number, what: string): void {
  const flags = r.u32();
  if (flags & ~1) {
    // Already shared or 64-bit memories: no toolchain here emits them.
    throw new Error(
      `${what} has limits flags ${hex(flags)}: only 32-bit unshared memories are supported`,
    );
  }
  const min = r.u32();
  const max = flags & 1 ? r.u32() : Number.POSITIVE_INFINITY;
  if (min > capPages) {
    throw new Error(
      `${what} needs at least ${min} pages (${mib(min)}), above the memory cap of ${capPages} pages (${mib(capPages)})`,
    );
  }
  w.byte(0x03); // has a maximum, shared
  w.u32(min);
  w.u32(Math.min(max, capPages));
}

function importsMemory(module: Uint8Array, section: SectionRange): boolean {
  const r = new ByteReader(module, section.start, section.end);
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x02) return true;
    skipImportDesc(r, kind);
  }
  return false;
}

function shareImportedMemories(r: ByteReader, capPages: number): ByteWriter {
  const w = new ByteWriter();
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    w.name(module);
    w.name(name);
    w.byte(kind);
    if (kind === 0x02) {
      writeSharedLimits(r, w, capPages, `imported memory ${module}.${name}`);
    } else {
      const from = r.offset;
      skipImportDesc(r, kind);
      copySince(r, w, from);
    }
  }
  return w;
}

function mib(pages: number): string {
  return `${(pages * WASM_PAGE) / 2 ** 20} MiB`;
}

interface SectionRange {
  id: number;
  /** Offset of the section id byte. */
  headerStart: number;
  /** Offsets of the contents. */
  start: number;
  end: number;
}

function readSections(module: Uint8Array): SectionRange[] {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (module.length < 8 || magic.some((b, i) => module[i] !== b)) {
    throw new Error("not a WebAssembly core module (bad magic or version)");
  }
  const r = new ByteReader(module, 8);
  const sections: SectionRange[] = [];
  while (!r.done) {
    const headerStart = r.offset;
    const id = r.byte();
    const size = r.u32();
    const start = r.offset;
    r.skip(size);
    sections.push({ id, headerStart, start, end: r.offset });
  }
  return sections;
}

function countImports(
  module: Uint8Array,
  section: SectionRange,
): { globals: number; functions: number } {
  const r = new ByteReader(module, section.start, section.end);
  let globals = 0;
  let functions = 0;
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) functions++;
    if (kind === EXTERN_GLOBAL) globals++;
    skipImportDesc(r, kind);
  }
  return { globals, functions };
}

function skipImportDesc(r: ByteReader, kind: number): void {
  switch (kind) {
    case 0x00: // function: type index
      r.u32();
      return;
    case 0x01: {
      // table: reference type, limits
      skipValType(r);
      skipLimits(r);
      return;
    }
    case 0x02: // memory: limits
      skipLimits(r);
      return;
    case EXTERN_GLOBAL:
      skipValType(r);
      r.byte();
      return;
    case 0x04: // tag: attribute, type index
      r.byte();
      r.u32();
      return;
  }
  throw new Error(`import of unknown kind ${hex(kind)}`);
}

function skipLimits(r: ByteReader): void {
  const flags = r.byte();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

/** The original imports followed by the three limit globals. */
function rewriteImports(module: Uint8Array, section: SectionRange | undefined): ByteWriter {
  const w = new ByteWriter();
  let count = 0;
  let entries: Uint8Array = new Uint8Array(0);
  if (section) {
    const r = new ByteReader(module, section.start, section.end);
    count = r.u32();
    entries = module.subarray(r.offset, section.end);
  }
  w.u32(count + ADDED_GLOBALS);
  w.bytes(entries);
  for (const [name, type] of [
    [limitsImport.fuel, 0x7f],
    [limitsImport.growFailed, 0x7f],
    [limitsImport.scratch, 0x7f],
  ] as const) {
    w.name(limitsImport.module);
    w.name(name);
    w.bytes([EXTERN_GLOBAL, type, 0x01]); // mutable
  }
  return w;
}

function shiftGlobal(index: number, rewrite: Rewrite): number {
  return index >= rewrite.importedGlobals ? index + ADDED_GLOBALS : index;
}

/** Copies a constant expression up to and including its `end`, renumbering `global.get`. */
function copyConstExpr(r: ByteReader, w: ByteWriter, rewrite: Rewrite): void {
  for (;;) {
    const at = r.offset;
    const op = r.byte();
    if (op === Op.GlobalGet) {
      w.byte(op);
      w.u32(shiftGlobal(r.u32(), rewrite));
      continue;
    }
    skipImmediates(r, op, () => `constant expression at byte ${at}`);
    w.bytes(r.bytes.subarray(at, r.offset));
    if (op === Op.End) return;
  }
}

/** Copies the bytes read since `from`. */
function copySince(r: ByteReader, w: ByteWriter, from: number): void {
  w.bytes(r.bytes.subarray(from, r.offset));
}

function rewriteGlobals(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter();
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const from = r.offset;
    skipValType(r);
    r.byte(); // mutability
    copySince(r, w, from);
    copyConstExpr(r, w, rewrite);
  }
  return w;
}

function rewriteExports(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter();
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    w.name(r.name());
    const kind = r.byte();
    const index = r.u32();
    w.byte(kind);
    w.u32(kind === EXTERN_GLOBAL ? shiftGlobal(index, rewrite) : index);
  }
  return w;
}

function rewriteElements(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter();
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags > 7) throw new Error(`element segment ${i} has unknown flags ${flags}`);
    const active = (flags & 1) === 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    if (active && explicitTable) w.u32(r.u32());
    if (active) copyConstExpr(r, w, rewrite);
    // Flags 0 and 4 imply funcref; the others give an element kind or a reference type.
    if (flags !== 0 && flags !== 4) {
      const from = r.offset;
      if (usesExprs) skipValType(r);
      else r.byte();
      copySince(r, w, from);
    }
    const items = r.u32();
    w.u32(items);
    for (let j = 0; j < items; j++) {
      if (usesExprs) copyConstExpr(r, w, rewrite);
      else w.u32(r.u32());
    }
  }
  return w;
}

function rewriteData(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter(r.end - r.offset + 16);
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags > 2) throw new Error(`data segment ${i} has unknown flags ${flags}`);
    if (flags === 2) w.u32(r.u32());
    if (flags !== 1) copyConstExpr(r, w, rewrite);
    const from = r.offset;
    r.skip(r.u32());
    copySince(r, w, from);
  }
  return w;
}

/** The "name" section's global names follow the renumbering; other custom sections are kept. */
function rewriteCustom(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter(r.end - r.offset + 16);
  const start = r.offset;
  const name = r.name();
  if (name !== "name") {
    r.offset = r.end;
    copySince(r, w, start);
    return w;
  }
  copySince(r, w, start);
  const GLOBAL_NAMES = 7;
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id !== GLOBAL_NAMES) {
      w.byte(id);
      w.u32(size);
      w.bytes(r.bytes.subarray(r.offset, end));
      r.offset = end;
      continue;
    }
    const names = new ByteWriter();
    const count = r.u32();
    names.u32(count);
    for (let i = 0; i < count; i++) {
      names.u32(shiftGlobal(r.u32(), rewrite));
      names.name(r.name());
    }
    w.section(id, names);
  }
  return w;
}

function rewriteCode(r: ByteReader, rewrite: Rewrite): ByteWriter {
  const w = new ByteWriter(Math.ceil((r.end - r.offset) * 1.1));
  const body = new ByteWriter(4096);
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const end = r.offset + size;
    body.length = 0;
    rewriteBody(
      new ByteReader(r.bytes, r.offset, end),
      body,
      rewrite,
      rewrite.importedFunctions + i,
    );
    w.u32(body.length);
    w.bytes(body.view());
    r.offset = end;
  }
  return w;
}

function rewriteBody(r: ByteReader, w: ByteWriter, rewrite: Rewrite, func: number): void {
  let at = r.offset;
  const where = () => `function ${func} at byte ${at}`;
  let from = r.offset;
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    skipValType(r);
  }
  copySince(r, w, from);
  w.bytes(rewrite.charge);
  from = r.offset;
  while (r.offset < r.end) {
    at = r.offset;
    const op = r.byte();
    switch (op) {
      case Op.Loop:
        skipBlockType(r);
        copySince(r, w, from);
        w.bytes(rewrite.charge);
        from = r.offset;
        break;
      case Op.GlobalGet:
      case Op.GlobalSet: {
        const index = r.u32();
        if (index >= rewrite.importedGlobals) {
          w.bytes(r.bytes.subarray(from, at));
          w.byte(op);
          w.u32(index + ADDED_GLOBALS);
          from = r.offset;
        }
        break;
      }
      case Op.MemoryGrow:
        r.u32();
        copySince(r, w, from);
        w.bytes(rewrite.afterGrow);
        from = r.offset;
        break;
      default:
        skipImmediates(r, op, where);
    }
  }
  copySince(r, w, from);
}
