// Services started by test fixtures must not outlive the test run: stop those a test forgot
// at the end of the run (bun test emits no "exit" when it finishes normally), and kill them if
// the run is interrupted or a test file exits early.
import { afterAll } from "bun:test";
import { killLiveFixturesSync, stopLeakedFixtures } from "../runtime/tests/fixtures/index.ts";
import { killKubernetesFixturesSync, stopKubernetesFixtures } from "./kubernetes/index.ts";

// Clusters and API servers are shared by the files of a run: they end here, not in a file.
afterAll(stopKubernetesFixtures);
afterAll(stopLeakedFixtures);
process.on("exit", killKubernetesFixturesSync);
process.on("exit", killLiveFixturesSync);
for (const [signal, exitCode] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    killKubernetesFixturesSync();
    killLiveFixturesSync();
    process.exit(exitCode);
  });
}
