// bun run bench codec: ns per decode and per encode, ours against @bufbuild/protobuf's
// fromBinary/toBinary on the same bytes in the same run. Targets: at least as fast as @bufbuild
// (speed ≥ 1.0), and decode + encode of AddFloats under 1 µs.
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { do_not_optimize, measure } from "mitata";
import { compileDecoder, compileEncoder } from "./index.ts";
import { canonical, fieldOf, loadRegistry, toComponent } from "./testdata/bufbuild.ts";

const registry = loadRegistry();
const schema = (name: string) => registry.getMessage(`vimana.codec.bench.${name}`) as DescMessage;

interface Case {
  name: string;
  desc: DescMessage;
  init: Record<string, unknown>;
}

const addFloats: Case = {
  name: "AddFloats",
  desc: schema("AddFloatsRequest"),
  init: { x: 3.5, y: -1.25 },
};
const mixed: Case = {
  name: "Mixed",
  desc: schema("Mixed"),
  init: {
    id: 42,
    name: "Ada Lovelace",
    active: true,
    score: 98.6,
    ratio: 0.75,
    createdAt: 1_732_800_000_000n,
    big: 18_000_000_000_000_000_000n,
    delta: -17,
    checksum: 0xdeadbeef,
    offset: -123_456_789n,
    payload: Uint8Array.from({ length: 24 }, (_, i) => i * 7),
    email: "ada@analytical.engine",
    count: 7,
    kind: 1,
    note: "first programmer",
    ids: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89],
    tags: ["math", "poetry", "engines"],
    samples: [0.5, 1.5, 2.25, 3.125, 4.0625, 5.5, 6.75, 7.875],
    address: { street: "St James's Square", city: "London", postcode: "SW1Y 4JU", number: 12 },
    items: [
      { sku: "NOTE-G", quantity: 1, price: 19.99, labels: ["bernoulli", "note"] },
      { sku: "CARD-7", quantity: 250, price: 0.05, labels: ["punched"] },
      { sku: "GEAR-42", quantity: 3, price: 125, labels: [] },
    ],
    counters: { reads: 10, writes: 3, faults: 0 },
    choice: { case: "text", value: "the engine weaves algebraic patterns" },
    balance: -42n,
    hash: 0x0123_4567_89ab_cdefn,
    verified: true,
    locale: "en-GB",
    version: 3,
    weight: 61.5,
    priority: 2,
  },
};

/** One case's codec and bytes, checked to agree with @bufbuild before anything is timed. */
function prepare({ desc, init }: Case) {
  const message = create(desc, init as never);
  const wire = toBinary(desc, message);
  const value = toComponent(desc, message as unknown as Record<string, unknown>);
  const decode = compileDecoder(fieldOf(desc));
  const encode = compileEncoder(fieldOf(desc));
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(canonical(a), bigints) === JSON.stringify(canonical(b), bigints);
  if (!same(decode(wire), value))
    throw new Error(`${desc.typeName}: our decode differs from @bufbuild's`);
  const back = toComponent(
    desc,
    fromBinary(desc, encode(value)) as unknown as Record<string, unknown>,
  );
  if (!same(back, value))
    throw new Error(`${desc.typeName}: @bufbuild reads our encoding differently`);
  return { desc, message, wire, value, decode, encode };
}

function bigints(_: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** Median ns per call, as the median of three alternating rounds' medians. */
async function timePair(ours: () => unknown, theirs: () => unknown): Promise<[number, number]> {
  const rounds: [number[], number[]] = [[], []];
  for (let round = 0; round < 3; round++) {
    rounds[0].push((await measure(ours)).p50);
    rounds[1].push((await measure(theirs)).p50);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1] as number;
  return [median(rounds[0]), median(rounds[1])];
}

const ns = (n: number) => `${n.toFixed(1).padStart(7)} ns`;

function line(label: string, ours: number, theirs: number): string {
  return `${label.padEnd(28)} ours ${ns(ours)}   @bufbuild ${ns(theirs)}   speed ours/theirs ${(theirs / ours).toFixed(2)}`;
}

console.log(
  `codec: median ns per call on ${process.arch}, Bun ${Bun.version}; ` +
    "speed ours/theirs = @bufbuild's time ÷ ours, target ≥ 1.0",
);
for (const benchCase of [addFloats, mixed]) {
  const { desc, message, wire, value, decode, encode } = prepare(benchCase);
  const label = `${benchCase.name} (${wire.length} B)`;
  const [decodeOurs, decodeTheirs] = await timePair(
    () => do_not_optimize(decode(wire)),
    () => do_not_optimize(fromBinary(desc, wire)),
  );
  console.log(line(`${label} decode`, decodeOurs, decodeTheirs));
  const [encodeOurs, encodeTheirs] = await timePair(
    () => do_not_optimize(encode(value)),
    () => do_not_optimize(toBinary(desc, message)),
  );
  console.log(line(`${label} encode`, encodeOurs, encodeTheirs));
}

// One request's whole codec cost: decode AddFloatsRequest, encode AddFloatsResponse.
const request = prepare(addFloats);
const response = prepare({
  name: "AddFloatsResponse",
  desc: schema("AddFloatsResponse"),
  init: { result: 2.25 },
});
const [roundOurs, roundTheirs] = await timePair(
  () => {
    do_not_optimize(request.decode(request.wire));
    return do_not_optimize(response.encode(response.value));
  },
  () => {
    do_not_optimize(fromBinary(request.desc, request.wire));
    return do_not_optimize(toBinary(response.desc, response.message));
  },
);
console.log(line("AddFloats decode+encode", roundOurs, roundTheirs));
console.log(
  `AddFloats decode+encode target < 1000 ns: ${roundOurs < 1000 ? "met" : "NOT met"} (${ns(roundOurs).trim()})`,
);
