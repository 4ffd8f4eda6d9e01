// The operator's command line: `run` (the default) and the generators.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { BUILD_ID } from "../build-info/index.ts";
import { KubeClient } from "./client/index.ts";
import { staleCrdFiles, writeCrdFiles } from "./crds.ts";
import { imageCommand } from "./image/index.ts";
import { manifestsCommand } from "./manifests/index.ts";
import { defaultLeaseTimings } from "./runtime/leader.ts";
import { consoleLogger } from "./runtime/log.ts";
import { startManager } from "./runtime/manager.ts";

export const LEADER_ELECTION_ID = "72b74836.vimana.host";
const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

const HELP = `Usage: vimana-operator [run] [OPTIONS]
       vimana-operator crds [--check]
       vimana-operator manifests [--image REF]
       vimana-operator image --push REF [--insecure] [--executable FILE]

Turns Vimana, Domain, Server and Component resources (api.vimana.host/v1alpha1) into a
RuntimeClass, Envoy Gateway objects, GRPCRoutes, Deployments and Services.

run (the default) options:
  --kubeconfig FILE                   the cluster to manage; without it: the in-cluster service
                                      account, then $KUBECONFIG, then ~/.kube/config
  --health-probe-bind-address ADDR    /healthz and /readyz (default :8081; 0 = off)
  --metrics-bind-address ADDR         Prometheus /metrics (default 0 = off; e.g. :8443)
  --leader-elect                      only the holder of Lease 72b74836.vimana.host writes
  --leader-election-namespace NS      the Lease's namespace (default: the pod's namespace, else
                                      vimana-operator-system)
  --lease-duration SECONDS            (default 15) --renew-deadline SECONDS (default 10)
  --retry-period SECONDS              (default 2)
  --workers N                         concurrent reconciles per controller (default 4)
  --sync-period SECONDS               reconcile every object again this often (default 600)

crds        writes the CRD YAML (src/operator/config/crd/) from src/operator/api; --check only
            reports stale files (exit 1)
manifests   prints the YAML that installs the operator: namespace vimana-operator-system, the
            CRDs, ServiceAccount, RBAC, Deployment (--image, default localhost:5000/vimana-operator:latest)
image       builds the operator image (the executable and the shared libraries it loads, one
            layer, user 65532) and pushes it to REF`;

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`${flag}: expected a positive number of seconds, got "${value}"`);
  }
  return parsed * 1000;
}

function defaultLeaseNamespace(): string {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim();
  } catch {
    return "vimana-operator-system";
  }
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: "string" },
      "health-probe-bind-address": { type: "string", default: ":8081" },
      "metrics-bind-address": { type: "string", default: "0" },
      "leader-elect": { type: "boolean", default: false },
      "leader-election-namespace": { type: "string" },
      "lease-duration": { type: "string" },
      "renew-deadline": { type: "string" },
      "retry-period": { type: "string" },
      workers: { type: "string", default: "4" },
      "sync-period": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`--workers: expected a positive integer, got "${values.workers}"`);
  }
  const log = consoleLogger();
  const client = KubeClient.load({ kubeconfig: values.kubeconfig });
  const identity = `${hostname()}_${crypto.randomUUID()}`;
  const manager = startManager({
    client,
    log,
    workers,
    resyncMs: seconds("--sync-period", values["sync-period"], 600_000),
    healthAddress: values["health-probe-bind-address"],
    metricsAddress: values["metrics-bind-address"],
    leaderElection: values["leader-elect"]
      ? {
          namespace: values["leader-election-namespace"] ?? defaultLeaseNamespace(),
          name: LEADER_ELECTION_ID,
          identity,
          leaseDurationMs: seconds(
            "--lease-duration",
            values["lease-duration"],
            defaultLeaseTimings.leaseDurationMs,
          ),
          renewDeadlineMs: seconds(
            "--renew-deadline",
            values["renew-deadline"],
            defaultLeaseTimings.renewDeadlineMs,
          ),
          retryPeriodMs: seconds(
            "--retry-period",
            values["retry-period"],
            defaultLeaseTimings.retryPeriodMs,
          ),
        }
      : undefined,
  });
  log.info(
    `vimana-operator (build ${BUILD_ID}): managing ${client.server} as ${identity}` +
      (manager.endpoints.healthPort ? `; probes on :${manager.endpoints.healthPort}` : "") +
      (manager.endpoints.metricsPort ? `; metrics on :${manager.endpoints.metricsPort}` : ""),
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log.info(`${signal}: stopping`);
      void manager.stop();
    });
  }
  const outcome = await manager.done;
  await manager.stop();
  if (outcome === "lost") {
    log.error("leadership lost; exiting so a fresh process can campaign again");
    return 1;
  }
  return 0;
}

async function crds(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { check: { type: "boolean" } }, strict: true });
  if (values.check) {
    const stale = await staleCrdFiles();
    for (const path of stale) console.error(`stale: ${path}`);
    if (stale.length > 0) console.error("Run `bun run operator crds` and commit the result.");
    return stale.length > 0 ? 1 : 0;
  }
  const changed = await writeCrdFiles();
  console.log(changed.length > 0 ? changed.map((p) => `wrote ${p}`).join("\n") : "CRDs up to date");
  return 0;
}

export async function runOperatorCli(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h") || args[0] === "help") {
    console.log(HELP);
    return 0;
  }
  const [first, ...rest] = args;
  try {
    switch (first) {
      case "crds":
        return await crds(rest);
      case "manifests":
        return await manifestsCommand(rest);
      case "image":
        return await imageCommand(rest);
      case "run":
        return await run(rest);
      default:
        if (first !== undefined && !first.startsWith("-")) {
          console.error(`vimana-operator: unknown command "${first}" (see --help)`);
          return 2;
        }
        return await run(args);
    }
  } catch (error) {
    console.error(`vimana-operator: ${(error as Error).message}`);
    return (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
  }
}
