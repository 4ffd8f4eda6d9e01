// Differential tests against @bufbuild/protobuf, the reference implementation for JavaScript:
// random messages of every field kind (testdata/differential/*.proto), both directions.
import { describe, expect, test } from "bun:test";
import { type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { compileDecoder, compileEncoder } from "./index.ts";
import {
  canonical,
  fieldOf,
  loadRegistry,
  mapsSorted,
  messageArbitrary,
  toComponent,
} from "./testdata/bufbuild.ts";
import { fc } from "./testdata/fast-check.ts";

const registry = loadRegistry();
const numRuns = 1000;

describe.each([
  "vimana.codec.test3.Scalars",
  "vimana.codec.test3.Compound",
  "vimana.codec.test2.Legacy",
])("%s", (typeName) => {
  const desc = registry.getMessage(typeName) as DescMessage;
  const decode = compileDecoder(fieldOf(desc));
  const encode = compileEncoder(fieldOf(desc));
  const messages = messageArbitrary(desc);
  /** What the codec should decode @bufbuild's reading of `wire` to. */
  const expected = (wire: Uint8Array) => canonical(toComponent(desc, fromBinary(desc, wire)));

  test("bytes @bufbuild encodes decode to the values it reads", () => {
    fc.assert(
      fc.property(messages, (msg) => {
        const wire = toBinary(desc, msg as never);
        expect(canonical(decode(wire))).toEqual(expected(wire));
      }),
      { numRuns },
    );
  });

  test("bytes we encode parse in @bufbuild to the values we encoded", () => {
    fc.assert(
      fc.property(messages, (msg) => {
        const value = toComponent(desc, msg);
        const wire = encode(value);
        expect(canonical(toComponent(desc, fromBinary(desc, wire)))).toEqual(canonical(value));
        expect(canonical(decode(wire))).toEqual(canonical(value));
      }),
      { numRuns },
    );
  });

  test("repeated numbers decode the same whichever packing the Field declares", () => {
    const flipped = compileDecoder(fieldOf(desc, true));
    fc.assert(
      fc.property(messages, (msg) => {
        const wire = toBinary(desc, msg as never);
        expect(canonical(flipped(wire))).toEqual(expected(wire));
      }),
      { numRuns: numRuns / 4 },
    );
  });

  test("two messages back to back merge as @bufbuild merges them (maps in key order)", () => {
    fc.assert(
      fc.property(messages, messages, (first, second) => {
        const a = toBinary(desc, first as never);
        const b = toBinary(desc, second as never);
        const wire = new Uint8Array(a.length + b.length);
        wire.set(a);
        wire.set(b, a.length);
        const theirs = toComponent(desc, fromBinary(desc, wire));
        expect(canonical(mapsSorted(desc, decode(wire)))).toEqual(
          canonical(mapsSorted(desc, theirs)),
        );
      }),
      { numRuns: numRuns / 4 },
    );
  });
});
