// bun run bench e2e: AddFloats through Envoy Gateway (TLS, SNI, GRPCRoute, Envoy → pod over
// h2c) against the same calls straight to the pod's IP (h2c), on the local cluster with the MVP
// deployed. Both with the same gRPC client (@grpc/grpc-js, in this process): rounds alternate,
// figures are medians over rounds of req/s and of each round's p50/p99 latency.
import {
  runKubectl,
  startGatewayFixture,
  stopKubernetesFixtures,
} from "../test/kubernetes/index.ts";
import { GatewayClient, type GatewayTarget, PodClient } from "./client.ts";
import { pushExample } from "./images.ts";
import {
  deployMvp,
  firstAnswer,
  MVP_ALIAS,
  MVP_DOMAIN,
  MVP_SERVER,
  waitForServing,
} from "./mvp.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5000);
const CHANNELS = 4;
const IN_FLIGHT_PER_CHANNEL = 8;

interface Caller {
  addFloats(x: number, y: number): Promise<number>;
  close(): void;
}

interface Round {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** CHANNELS connections, each with IN_FLIGHT_PER_CHANNEL calls outstanding, for WINDOW_MS. */
async function round(makeCaller: () => Caller): Promise<Round> {
  const callers = Array.from({ length: CHANNELS }, makeCaller);
  // Warm each connection (TLS handshake, Envoy's upstream connection) outside the window.
  await Promise.all(callers.map((caller) => caller.addFloats(1, 2)));
  const latencies: number[] = [];
  const end = performance.now() + WINDOW_MS;
  const started = performance.now();
  await Promise.all(
    callers.flatMap((caller) =>
      Array.from({ length: IN_FLIGHT_PER_CHANNEL }, async () => {
        while (performance.now() < end) {
          const sent = performance.now();
          await caller.addFloats(3.5, -1.2);
          latencies.push(performance.now() - sent);
        }
      }),
    ),
  );
  const elapsed = performance.now() - started;
  for (const caller of callers) caller.close();
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

const fixture = await startGatewayFixture();
const { cluster } = fixture;
const kubectl = (args: readonly string[], input?: string) =>
  runKubectl(cluster.kubectlPath, cluster.kubeconfig, args, input);
const namespace = `e2e-bench-${crypto.randomUUID().slice(0, 8)}`;
try {
  await pushExample({
    registry: cluster.registry,
    insecure: true,
    example: "adder-wat",
    domain: MVP_DOMAIN,
    server: MVP_SERVER,
    version: "1.0.0",
  });
  const rootCert = await deployMvp(kubectl, { namespace, registry: cluster.registry });
  await waitForServing(kubectl, namespace);
  const podIp = (
    await kubectl([
      "get",
      "pods",
      `--namespace=${namespace}`,
      `--selector=vimana.host/domain=${MVP_DOMAIN}`,
      "-o",
      "jsonpath={.items[0].status.podIP}",
    ])
  ).trim();
  const gateway: GatewayTarget = { address: fixture.address, port: 443, rootCert };
  const probe = new GatewayClient(gateway, MVP_ALIAS);
  await firstAnswer(probe, 1, 2);
  probe.close();
  console.log(
    `e2e bench: AddFloats, ${CHANNELS} connections × ${IN_FLIGHT_PER_CHANNEL} calls in flight, ${ROUNDS} alternating rounds of ${WINDOW_MS / 1000} s; pod ${podIp}:${cluster.dataplanePort}`,
  );
  const viaGateway: Round[] = [];
  const straight: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    viaGateway.push(await round(() => new GatewayClient(gateway, MVP_ALIAS)));
    straight.push(await round(() => new PodClient(podIp, cluster.dataplanePort)));
  }
  const summary = (rounds: Round[]) => ({
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
  });
  const g = summary(viaGateway);
  const s = summary(straight);
  const line = (name: string, r: { rps: number; p50: number; p99: number }) =>
    `  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms`;
  console.log(line("through the gateway (TLS)", g));
  console.log(line("straight to the pod (h2c)", s));
  console.log(
    `  gateway / pod: ${(g.rps / s.rps).toFixed(2)}× req/s, p50 ${(g.p50 / s.p50).toFixed(2)}×, p99 ${(g.p99 / s.p99).toFixed(2)}×`,
  );
} finally {
  await kubectl(["delete", "namespace", namespace, "--wait=true", "--timeout=120s"]).catch(
    () => "",
  );
  await stopKubernetesFixtures();
}
