// The acceptance of `--driver local`, for real: `bun run restart --driver local` from nothing to
// an operator (installed in the cluster from its image) that reconciles a Component into a Ready
// Vimana pod answering AddFloats; then `bun run hotswap --driver local` under three clients
// calling that pod without pause: no call fails, and afterwards the new build's vimanad (CRI
// Version, kubelet's node status) and operator (image, first log line) run. One cluster of its
// own (restart must start from nothing), stopped at the end even on failure.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { addFloats, buildVimanad } from "../runtime/tests/vimanad.ts";
import { kubectlOn, startAdderComponent } from "./adder-pod.ts";
import { vimanadBuildId } from "./builds.ts";
import { startCallers } from "./callers.ts";
import {
  type ClusterState,
  killAllSync,
  readClusterState,
  stopLocalCluster,
} from "./local/index.ts";

const stateDir = mkdtempSync("/tmp/vimana-restart-");
const OPERATOR = [
  "--namespace=vimana-operator-system",
  "deployment/vimana-operator-controller-manager",
];
let state: ClusterState;
let podIp: string;

process.on("exit", () => killAllSync(stateDir));
afterAll(() => stopLocalCluster(stateDir, { remove: true }), 120_000);

async function script(name: "restart" | "hotswap", ...args: string[]) {
  const child = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, `${name}.ts`),
      "--driver",
      "local",
      "--state-dir",
      stateDir,
      ...args,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

const kubectl = (...args: string[]) => kubectlOn(state, args);

function criVersion(): string {
  const version = Bun.spawnSync([
    state.crictl,
    `--runtime-endpoint=unix://${state.vimanadSocket}`,
    "version",
  ]);
  return `${version.stdout}`;
}

async function operatorLog(): Promise<string> {
  return kubectl("logs", ...OPERATOR);
}

beforeAll(async () => {
  await buildVimanad();
}, 300_000);

test("hotswap --driver local with no cluster: the restart hint", async () => {
  const swapped = await script("hotswap", "--no-build");
  expect(swapped.code).toBe(1);
  expect(swapped.stderr).toContain(
    `hotswap: step "check that the local cluster runs" failed: no local cluster runs in ${stateDir}: start one with \`bun run restart --driver local --state-dir ${stateDir}\``,
  );
});

test("restart --driver local: from nothing to a Component reconciled into a Ready Vimana pod", async () => {
  // Without Envoy Gateway: the e2e suites test it; this one, what restart adds to the cluster.
  const restarted = await script("restart", "--no-build", "--no-gateway");
  expect(restarted.code, `${restarted.stdout}\n${restarted.stderr}`).toBe(0);
  expect(restarted.stdout).toContain("restart: [3] start the local cluster");
  expect(restarted.stdout).toMatch(/restart: +[\d.]+ s {2}in all/);
  state = readClusterState(stateDir) as ClusterState;
  const buildId = vimanadBuildId(join(import.meta.dir, "..", "dist", "vimanad"));
  expect(criVersion()).toContain(`RuntimeVersion:  0.0.0+${buildId}`);
  expect(await operatorLog()).toContain(`vimana-operator (build ${buildId})`);

  ({ podIp } = await startAdderComponent(state, "hotswap-adder"));
  expect(await addFloats(podIp, state.dataplanePort, 3.5, -1.2)).toBeCloseTo(2.3, 5);
}, 600_000);

test("hotswap --driver local under three continuous clients: 0 failed calls, the new build runs", async () => {
  expect(podIp, "the restart test made the pod").toBeDefined();
  const before = vimanadBuildId(join(import.meta.dir, "..", "dist", "vimanad"));
  const callers = startCallers(3, async () => {
    const sum = await addFloats(podIp, state.dataplanePort, 3.5, -1.2);
    if (Math.abs(sum - 2.3) > 1e-5) throw new Error(`AddFloats(3.5, -1.2) = ${sum}`);
  });
  await Bun.sleep(1000);
  callers.mark();
  const swapped = await script("hotswap");
  const report = await callers.stop();
  expect(swapped.code, `${swapped.stdout}\n${swapped.stderr}`).toBe(0);
  console.log(
    `hotswap under 3 clients: ${report.calls} calls, ${report.failures.length} failed, longest pause ${report.longestPauseMs.toFixed(0)} ms`,
  );
  expect(report.failures).toEqual([]);
  expect(report.calls).toBeGreaterThan(30);

  const after = vimanadBuildId(join(import.meta.dir, "..", "dist", "vimanad"));
  expect(after).not.toBe(before);
  expect(swapped.stdout).toContain(
    `the local cluster runs vimanad and the operator of build ${after}`,
  );
  expect(swapped.stdout).toMatch(/hotswap: +[\d.]+ s {2}vimanad --takeover/);
  expect(criVersion()).toContain(`RuntimeVersion:  0.0.0+${after}`);
  const node = JSON.parse(await kubectl("get", "node", state.nodeName, "-o", "json"));
  // kubelet reads the runtime's version again on its next status update.
  const deadline = Date.now() + 60_000;
  let runtime = node.status.nodeInfo.containerRuntimeVersion as string;
  while (runtime !== `vimana://0.0.0+${after}` && Date.now() < deadline) {
    await Bun.sleep(1000);
    runtime = JSON.parse(await kubectl("get", "node", state.nodeName, "-o", "json")).status.nodeInfo
      .containerRuntimeVersion;
  }
  expect(runtime).toBe(`vimana://0.0.0+${after}`);
  const images = await kubectl(
    "get",
    "pods",
    "--namespace=vimana-operator-system",
    "-o",
    "jsonpath={.items[*].spec.containers[0].image}",
  );
  expect(images).toBe(`${state.registry}/vimana-operator:${after}`);
  expect(await operatorLog()).toContain(`vimana-operator (build ${after})`);
  // The pod still answers, served by the new process.
  expect(await addFloats(podIp, state.dataplanePort, 1, 2)).toBe(3);
}, 600_000);
