// The immediates of every instruction the toolchains here emit (MVP, sign-extension, saturating
// truncation, bulk memory, reference types, multi-memory, SIMD and relaxed SIMD, threads,
// exceptions, tail calls, typed function references), so a rewriter can walk a function body
// instruction by instruction. Anything else (the GC proposal, unassigned opcodes) fails loudly.
import { type ByteReader, hex } from "./bytes.ts";

/** Reference types that carry a heap type: `(ref null ht)` and `(ref ht)`. */
const REF_NULL = 0x63;
const REF = 0x64;

export function skipValType(r: ByteReader): void {
  const type = r.byte();
  if (type === REF_NULL || type === REF) r.s33();
}

export function skipBlockType(r: ByteReader): void {
  const first = r.bytes[r.offset];
  if (first === REF_NULL || first === REF) {
    r.offset++;
    r.s33();
  } else {
    // 0x40 (empty), a one-byte value type, or a type index: all are s33 encodings.
    r.s33();
  }
}

function skipMemArg(r: ByteReader): void {
  const align = r.u32();
  // Multi-memory sets bit 6 of the alignment when a memory index follows.
  if (align & 0x40) r.u32();
  r.skipLeb();
}

/**
 * Skips the immediates of instruction `op`, whose opcode byte was just read. `where` names the
 * position for the error raised on an opcode this walker does not know.
 */
export function skipImmediates(r: ByteReader, op: number, where: () => string): void {
  if (op >= 0x45 && op <= 0xc4) return; // numeric operators, sign extension
  switch (op) {
    case 0x00: // unreachable
    case 0x01: // nop
    case 0x05: // else
    case 0x0a: // throw_ref
    case 0x0b: // end
    case 0x0f: // return
    case 0x19: // catch_all (legacy exceptions)
    case 0x1a: // drop
    case 0x1b: // select
    case 0xd1: // ref.is_null
    case 0xd3: // ref.eq
    case 0xd4: // ref.as_non_null
      return;
    case 0x02: // block
    case 0x03: // loop
    case 0x04: // if
    case 0x06: // try (legacy exceptions)
      skipBlockType(r);
      return;
    case 0x07: // catch tag
    case 0x08: // throw tag
    case 0x09: // rethrow depth
    case 0x0c: // br
    case 0x0d: // br_if
    case 0x10: // call
    case 0x12: // return_call
    case 0x14: // call_ref type
    case 0x15: // return_call_ref type
    case 0x18: // delegate depth
    case 0x20: // local.get
    case 0x21: // local.set
    case 0x22: // local.tee
    case 0x23: // global.get
    case 0x24: // global.set
    case 0x25: // table.get
    case 0x26: // table.set
    case 0x3f: // memory.size
    case 0x40: // memory.grow
    case 0xd2: // ref.func
    case 0xd5: // br_on_null
    case 0xd6: // br_on_non_null
      r.u32();
      return;
    case 0x0e: {
      // br_table: the targets, then the default
      const count = r.u32();
      for (let i = 0; i <= count; i++) r.u32();
      return;
    }
    case 0x11: // call_indirect type table
    case 0x13: // return_call_indirect type table
      r.u32();
      r.u32();
      return;
    case 0x1c: {
      // select with types
      const count = r.u32();
      for (let i = 0; i < count; i++) skipValType(r);
      return;
    }
    case 0x1f: {
      // try_table: block type, then catch clauses
      skipBlockType(r);
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const kind = r.byte();
        if (kind === 0x00 || kind === 0x01) r.u32(); // catch / catch_ref carry a tag
        r.u32(); // label
      }
      return;
    }
    case 0x41: // i32.const
    case 0x42: // i64.const
      r.skipLeb();
      return;
    case 0x43: // f32.const
      r.skip(4);
      return;
    case 0x44: // f64.const
      r.skip(8);
      return;
    case 0xd0: // ref.null heap type
      r.s33();
      return;
    case 0xfc:
      skipMiscImmediates(r, where);
      return;
    case 0xfd:
      skipSimdImmediates(r, where);
      return;
    case 0xfe:
      skipAtomicImmediates(r, where);
      return;
  }
  if (op >= 0x28 && op <= 0x3e) {
    skipMemArg(r); // loads and stores
    return;
  }
  throw new Error(`${where()}: unknown opcode ${hex(op)}${op === 0xfb ? " (GC proposal)" : ""}`);
}

/** 0xfc: saturating truncation, bulk memory and table operations. */
function skipMiscImmediates(r: ByteReader, where: () => string): void {
  const sub = r.u32();
  if (sub <= 7) return; // trunc_sat
  switch (sub) {
    case 8: // memory.init data memory
    case 10: // memory.copy memory memory
    case 12: // table.init elem table
    case 14: // table.copy table table
      r.u32();
      r.u32();
      return;
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
  }
  throw new Error(`${where()}: unknown opcode 0xfc ${sub}`);
}

/** 0xfd: SIMD and relaxed SIMD. */
function skipSimdImmediates(r: ByteReader, where: () => string): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) {
    skipMemArg(r); // v128 loads and stores, load32_zero, load64_zero
  } else if (sub === 12 || sub === 13) {
    r.skip(16); // v128.const, i8x16.shuffle
  } else if (sub >= 21 && sub <= 34) {
    r.skip(1); // extract_lane, replace_lane
  } else if (sub >= 84 && sub <= 91) {
    skipMemArg(r); // load_lane, store_lane
    r.skip(1);
  } else if (sub > 0x113) {
    throw new Error(`${where()}: unknown opcode 0xfd ${sub}`);
  }
}

/** 0xfe: threads (atomic memory accesses). */
function skipAtomicImmediates(r: ByteReader, where: () => string): void {
  const sub = r.u32();
  if (sub === 3) {
    r.skip(1); // atomic.fence
  } else if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) {
    skipMemArg(r);
  } else {
    throw new Error(`${where()}: unknown opcode 0xfe ${sub}`);
  }
}
