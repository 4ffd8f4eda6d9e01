// Eight bytes seen as every number type: converting between bytes and floats or 64-bit
// integers through them needs no DataView per message. Decoding and encoding are synchronous,
// so one set serves every codec.

const bytes = new ArrayBuffer(8);
export const U8 = new Uint8Array(bytes);
export const I32 = new Int32Array(bytes);
export const U32 = new Uint32Array(bytes);
export const F32 = new Float32Array(bytes);
export const F64 = new Float64Array(bytes);
export const I64 = new BigInt64Array(bytes);
export const U64 = new BigUint64Array(bytes);

// Typed arrays use the host's byte order and protobuf is little-endian: the views above, and
// byte copies into Float32Array lists and back, are only right on a little-endian host.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("the protobuf codec needs a little-endian host");
}
