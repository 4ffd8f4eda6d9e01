// bun run bench hotswap: on a local cluster made by `restart --driver local`, with three clients
// calling a Vimana pod without pause, `hotswap --driver local` (rebuild included) a few times:
// the time from its start until the new vimanad served every pod, and the longest pause a client
// saw. Baseline, measured in the same run: the longest pause of the same clients over a window
// as long, with nothing swapped.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { addFloats, buildVimanad } from "../runtime/tests/vimanad.ts";
import { startAdderComponent } from "./adder-pod.ts";
import { startCallers } from "./callers.ts";
import {
  type ClusterState,
  killAllSync,
  readClusterState,
  stopLocalCluster,
} from "./local/index.ts";
import { hotswapLocal } from "./local-driver.ts";
import { Steps } from "./steps.ts";

const rounds = 3;
const clients = 3;
const stateDir = mkdtempSync("/tmp/vimana-bench-hotswap-");
process.on("exit", () => killAllSync(stateDir));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

try {
  await buildVimanad();
  console.log(`hotswap bench: bun run restart --driver local --state-dir ${stateDir}`);
  const restart = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "restart.ts"),
      "--driver",
      "local",
      "--no-build",
      "--no-gateway",
      "--state-dir",
      stateDir,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([
    new Response(restart.stdout).text(),
    new Response(restart.stderr).text(),
    restart.exited,
  ]);
  if (code !== 0) throw new Error(`restart --driver local failed:\n${out}\n${err}`);
  const state = readClusterState(stateDir) as ClusterState;
  const { podIp } = await startAdderComponent(state, "bench-adder");
  const call = async () => {
    await addFloats(podIp, state.dataplanePort, 3.5, -1.2);
  };
  let callers = startCallers(clients, call);
  const serving: number[] = [];
  const total: number[] = [];
  const pauses: number[] = [];
  const baselines: number[] = [];
  let failed = 0;
  for (let round = 1; round <= rounds; round++) {
    const steps = new Steps({ prefix: "hotswap", dryRun: false, log: () => {} });
    callers.mark();
    const swapped = await hotswapLocal(steps, {
      stateDir,
      build: true,
      gateway: false,
      stateDirFlag: "",
    });
    const swapMs = steps.elapsedMs();
    const during = await callers.stop();
    // A fresh set of callers for the baseline window, and again for the next round.
    callers = startCallers(clients, call);
    failed += during.failures.length;
    serving.push(swapped.vimanadServingMs);
    total.push(swapMs);
    pauses.push(during.longestPauseMs);
    callers.mark();
    await Bun.sleep(swapMs);
    const idle = await callers.stop();
    callers = startCallers(clients, call);
    failed += idle.failures.length;
    baselines.push(idle.longestPauseMs);
    console.log(
      `round ${round}: new vimanad serving every pod ${swapped.vimanadServingMs.toFixed(0)} ms after hotswap started (whole hotswap ${swapMs.toFixed(0)} ms); longest client pause ${during.longestPauseMs.toFixed(0)} ms, without a swap ${idle.longestPauseMs.toFixed(0)} ms; ${during.calls} calls, ${during.failures.length} failed`,
    );
  }
  await callers.stop();
  console.log(
    `hotswap (${rounds} rounds, ${clients} clients): start → new vimanad serving every pod median ${median(serving).toFixed(0)} ms (whole hotswap with rebuild and operator roll ${median(total).toFixed(0)} ms)`,
  );
  console.log(
    `longest client pause: during hotswap median ${median(pauses).toFixed(0)} ms, baseline (same clients, no swap) median ${median(baselines).toFixed(0)} ms, ratio ${(median(pauses) / median(baselines)).toFixed(2)}; failed calls ${failed}`,
  );
} finally {
  await stopLocalCluster(stateDir, { remove: true });
}
