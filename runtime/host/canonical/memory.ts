// Views of an instance's linear memory, made once per buffer and kept on the instance's core
// exports: in JavaScriptCore a view over a wasm memory's buffer costs ~0.4 µs to create, more
// than lowering a field. A grown memory has a new buffer; the views follow it (`viewsOf` after
// every call into the component). Kept per instance, never in a module, so a dropped
// instance's memory is not held alive.

export class MemoryViews {
  readonly buffer: ArrayBuffer;
  readonly view: DataView;
  readonly bytes: Uint8Array;
  #s32s: Int32Array | undefined;
  #u32s: Uint32Array | undefined;
  #s64s: BigInt64Array | undefined;
  #u64s: BigUint64Array | undefined;
  #f32s: Float32Array | undefined;
  #f64s: Float64Array | undefined;

  constructor(buffer: ArrayBuffer) {
    this.buffer = buffer;
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  // Typed arrays of the other element types, made when a method first uses them.
  get s32s(): Int32Array {
    this.#s32s ??= new Int32Array(this.buffer);
    return this.#s32s;
  }
  get u32s(): Uint32Array {
    this.#u32s ??= new Uint32Array(this.buffer);
    return this.#u32s;
  }
  get s64s(): BigInt64Array {
    this.#s64s ??= new BigInt64Array(this.buffer);
    return this.#s64s;
  }
  get u64s(): BigUint64Array {
    this.#u64s ??= new BigUint64Array(this.buffer);
    return this.#u64s;
  }
  get f32s(): Float32Array {
    this.#f32s ??= new Float32Array(this.buffer);
    return this.#f32s;
  }
  get f64s(): Float64Array {
    this.#f64s ??= new Float64Array(this.buffer);
    return this.#f64s;
  }
}

/** What holds an instance's memory and its views. */
export interface ViewedMemory {
  memory: WebAssembly.Memory;
  views?: MemoryViews;
}

/** The views of the memory's current buffer. */
export function viewsOf(core: ViewedMemory): MemoryViews {
  const buffer = core.memory.buffer;
  let views = core.views;
  if (views === undefined || views.buffer !== buffer) {
    views = new MemoryViews(buffer);
    core.views = views;
  }
  return views;
}

const decoder = new TextDecoder();

/** A string's UTF-8 at (ptr, length), out of bounds a RangeError as jco's view makes it. */
export function liftString(views: MemoryViews, ptr: number, length: number): string {
  if (ptr + length > views.bytes.length) {
    throw new RangeError(`string at ${ptr} of ${length} bytes is outside linear memory`);
  }
  return decoder.decode(views.bytes.subarray(ptr, ptr + length));
}
