// bun run bench dev: reload latency — the WAT adder saved → the first response from the new
// version — over 20 edits, while clients call back to back (two over gRPC, one over JSON);
// and how many of those calls failed. Targets: p50 ≤ 100 ms, 0 failed calls.
import { GrpcAdder, jsonAddFloats, startHarness, toAdd, toMultiply } from "./testdata/harness.ts";

const EDITS = 20;
const harness = await startHarness();
const port = harness.server.port;
const grpc = new GrpcAdder(port);
let calls = 0;
let failed = 0;
let loading = true;
/** The answer the latest edit makes, and when the first call returned it. */
let expected = 7;
let savedAt = 0;
let firstNewAt: number | undefined;

const loop = async (call: () => Promise<number>) => {
  while (loading) {
    try {
      const answer = await call();
      calls++;
      if (answer === expected && firstNewAt === undefined) firstNewAt = performance.now();
    } catch {
      failed++;
    }
  }
};

const latencies: number[] = [];
const loads = [
  loop(() => grpc.addFloats(3, 4)),
  loop(() => grpc.addFloats(3, 4)),
  loop(() => jsonAddFloats(port, 3, 4)),
];
try {
  for (let edit = 0; edit < EDITS; edit++) {
    const multiply = edit % 2 === 0;
    expected = multiply ? 12 : 7;
    firstNewAt = undefined;
    savedAt = performance.now();
    await harness.edit("adder/adder.wat", multiply ? toMultiply : toAdd);
    while (firstNewAt === undefined) await Bun.sleep(1);
    latencies.push(firstNewAt - savedAt);
  }
} finally {
  loading = false;
  await Promise.all(loads);
  grpc.close();
  await harness.close();
}

const sorted = latencies.toSorted((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
console.log(
  `dev reload (WAT adder saved → first response from the new version, ${EDITS} edits): p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms (target p50 ≤ 100 ms)`,
);
console.log(
  `dev calls during those reloads under back-to-back load: ${calls} answered, ${failed} failed (target 0)`,
);
