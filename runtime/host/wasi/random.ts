// wasi:random@0.2.x — random, insecure and insecure-seed, all from the host's CSPRNG.
import { checkedLength } from "./io.ts";

/** crypto.getRandomValues fills at most 64 KiB per call. */
const FILL_LIMIT = 65536;

function randomBytes(length: bigint): Uint8Array {
  const bytes = new Uint8Array(checkedLength(length, "get-random-bytes"));
  for (let offset = 0; offset < bytes.length; offset += FILL_LIMIT) {
    crypto.getRandomValues(bytes.subarray(offset, offset + FILL_LIMIT));
  }
  return bytes;
}

function randomU64(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0] as bigint;
}

export const randomInterfaces = {
  "wasi:random/random": { getRandomBytes: randomBytes, getRandomU64: randomU64 },
  "wasi:random/insecure": { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
  "wasi:random/insecure-seed": { insecureSeed: (): [bigint, bigint] => [randomU64(), randomU64()] },
};
