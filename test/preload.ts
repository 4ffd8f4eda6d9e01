// Services started by test fixtures must not outlive the test run: stop those a test forgot
// at the end of the run (bun test emits no "exit" when it finishes normally), and kill them if
// the run is interrupted or a test file exits early.
import { afterAll } from "bun:test";
import { killLiveFixturesSync, stopLeakedFixtures } from "../runtime/tests/fixtures/index.ts";

afterAll(stopLeakedFixtures);
process.on("exit", killLiveFixturesSync);
for (const [signal, exitCode] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    killLiveFixturesSync();
    process.exit(exitCode);
  });
}
