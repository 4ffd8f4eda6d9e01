// Component values in the shapes jco's transpiled glue produces (lifting a result) and accepts
// (lowering an argument); pinned against real glue in jco-shapes.test.ts.
//
//   record              object with camelCase keys (`add-floats` → `addFloats`), in field order
//   option<T>           the value, or undefined for none (null is accepted on encode)
//   variant (oneof)     { tag: "case-name", val }
//   enum                the case name as written in WIT: "light-blue"
//   list<u8>            Uint8Array (decoded bytes are views into the input, not copies)
//   list<f32> / <f64>   Float32Array / Float64Array
//   list<s32> / <u32>   Int32Array / Uint32Array
//   list<s64> / <u64>   BigInt64Array / BigUint64Array
//                       (decoded ones may view a larger buffer: mind byteOffset and length)
//   other lists         arrays (list<bool>, list<string>, list<enum>, list<record>, …)
//   tuple<K, V>         [k, v]
//   s64 / u64           bigint; other numbers are numbers, bool is boolean, string is string

export type ComponentValue =
  | boolean
  | number
  | bigint
  | string
  | undefined
  | Uint8Array
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | ComponentValue[]
  | ComponentVariant
  | ComponentRecord;

export interface ComponentRecord {
  [key: string]: ComponentValue;
}

export interface ComponentVariant {
  tag: string;
  val: ComponentValue;
}
