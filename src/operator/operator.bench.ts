// bun run bench operator: 1,000 Components over 10 Servers → every Deployment and Service exists
// and every Component is Available=True. Prints the time, objects per second, the operator's RSS,
// and the ratio against a baseline measured in the same run: the same 2,000 Deployments and
// Services written straight to the API server by one client (what the API server alone costs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Component, KubeObject } from "./api/index.ts";
import { type KubeClient, resourceTypes } from "./client/index.ts";
import { deployment, service } from "./controllers/desired.ts";
import { startOperatorEnv } from "./testing/env.ts";
import { createNamespace, waitFor } from "./testing/install.ts";
import { spawnOperator } from "./testing/operator.ts";

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 1000);
const SERVERS = 10;
const CONCURRENCY = 16;
const DOMAIN_ID = "0123456789abcdef0123456789abcdef";

function components(namespace: string): Component[] {
  return Array.from({ length: COMPONENTS }, (_, i) => {
    const server = `server-${i % SERVERS}`;
    const version = `1.0.${Math.floor(i / SERVERS)}`;
    return {
      apiVersion: "api.vimana.host/v1alpha1",
      kind: "Component",
      metadata: { name: `${server}-${version.replaceAll(".", "-")}`, namespace, uid: "" },
      spec: {
        domain: DOMAIN_ID,
        server,
        version,
        image: `registry/${DOMAIN_ID}/${server}:${version}`,
      },
    };
  });
}

async function inParallel<T>(items: T[], action: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await action(item);
      }
    }),
  );
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function baseline(client: KubeClient): Promise<number> {
  await createNamespace(client, "bench-baseline");
  const started = performance.now();
  await inParallel(components("bench-baseline"), async (c) => {
    const strip = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, ownerReferences: undefined },
    });
    await client.create(resourceTypes.deployment, strip(deployment(c)));
    await client.create(resourceTypes.service, strip(service(c)));
  });
  return (performance.now() - started) / 1000;
}

async function withOperator(client: KubeClient, kubeconfig: string) {
  const built = Bun.spawnSync(
    [process.execPath, join(import.meta.dir, "..", "..", "scripts", "build.ts"), "vimana-operator"],
    {
      stdout: "ignore",
      stderr: "inherit",
    },
  );
  if (built.exitCode !== 0) throw new Error("building dist/vimana-operator failed");
  const executable = join(import.meta.dir, "..", "..", "dist", "vimana-operator");
  const operator = spawnOperator(
    ["--kubeconfig", kubeconfig, "--workers", "8", "--health-probe-bind-address", "127.0.0.1:0"],
    executable,
  );
  try {
    await waitFor("the operator to start its controllers", async () =>
      operator.output().includes("starting controllers") ? true : undefined,
    );
    const namespace = "bench-operator";
    await createNamespace(client, namespace);
    for (let s = 0; s < SERVERS; s++) {
      await client.create(resourceTypes.server, {
        apiVersion: "api.vimana.host/v1alpha1",
        kind: "Server",
        metadata: { name: `server-${s}`, namespace, labels: { "vimana.host/domain": DOMAIN_ID } },
        spec: { id: `server-${s}`, domain: DOMAIN_ID, services: [`bench.Service${s}`] },
      });
    }
    const started = performance.now();
    await inParallel(components(namespace), (c) =>
      client.create(resourceTypes.component, {
        ...c,
        metadata: { name: c.metadata.name, namespace },
      }),
    );
    const created = (performance.now() - started) / 1000;
    await waitFor(
      `${COMPONENTS} Components Available with their Deployments and Services`,
      async () => {
        const [all, deployments, services] = await Promise.all([
          client.list<Component>(resourceTypes.component, namespace),
          client.list(resourceTypes.deployment, namespace),
          client.list(resourceTypes.service, namespace),
        ]);
        const available = all.items.filter((c) =>
          c.status?.conditions?.some((x) => x.type === "Available" && x.status === "True"),
        ).length;
        return available === COMPONENTS &&
          deployments.items.length === COMPONENTS &&
          services.items.length === COMPONENTS
          ? true
          : undefined;
      },
      600_000,
      1_000,
    );
    const converged = (performance.now() - started) / 1000;
    return { created, converged, rss: rssMiB(operator.process.pid) };
  } finally {
    await operator.stop();
  }
}

const env = await startOperatorEnv();
try {
  console.log(
    `operator: ${COMPONENTS} Components over ${SERVERS} Servers (one run; the API server is the same process for both)`,
  );
  const direct = await baseline(env.client);
  console.log(
    `  baseline: ${2 * COMPONENTS} Deployments+Services written directly: ${direct.toFixed(1)} s (${((2 * COMPONENTS) / direct).toFixed(0)} objects/s)`,
  );
  const result = await withOperator(env.client, env.api.kubeconfig);
  console.log(
    `  operator: Components created in ${result.created.toFixed(1)} s; all Deployments/Services present and Available=True after ${result.converged.toFixed(1)} s`,
  );
  console.log(
    `  operator: ${(COMPONENTS / result.converged).toFixed(0)} Components/s, ${((2 * COMPONENTS) / result.converged).toFixed(0)} owned objects/s; ${(result.converged / direct).toFixed(2)}× the baseline; RSS at the end ${result.rss.toFixed(0)} MiB`,
  );
} finally {
  await env.stop();
}
