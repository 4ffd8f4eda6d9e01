// The operator when things go wrong: the API server goes away and comes back, two operators
// race for the Lease, the leader is killed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Component, KubeObject } from "./api/index.ts";
import { type KubeClient, resourceTypes } from "./client/index.ts";
import { type OperatorEnv, startOperatorEnv } from "./testing/env.ts";
import { createNamespace, waitFor } from "./testing/install.ts";
import { type OperatorProcess, spawnOperator, startInProcess } from "./testing/operator.ts";

const DOMAIN_ID = "0123456789abcdef0123456789abcdef";
const LEASE = "72b74836.vimana.host";

let env: OperatorEnv;
let client: KubeClient;

beforeAll(async () => {
  env = await startOperatorEnv();
  client = env.client;
}, 600_000);

afterAll(async () => {
  await env?.stop();
});

function component(namespace: string, server: string, version = "1.0.0"): Component {
  return {
    apiVersion: "api.vimana.host/v1alpha1",
    kind: "Component",
    metadata: { name: `${server}-${version.replaceAll(".", "-")}`, namespace },
    spec: { domain: DOMAIN_ID, server, version, image: `registry/${server}:${version}` },
  };
}

async function allAvailable(namespace: string, count: number, timeoutMs = 60_000) {
  await waitFor(
    `${count} Components Available with their Deployments and Services in ${namespace}`,
    async () => {
      const [components, deployments, services] = await Promise.all([
        client.list<Component>(resourceTypes.component, namespace),
        client.list(resourceTypes.deployment, namespace),
        client.list(resourceTypes.service, namespace),
      ]);
      const ready = components.items.filter((c) =>
        c.status?.conditions?.some((x) => x.type === "Available" && x.status === "True"),
      );
      return ready.length === count &&
        deployments.items.length === count &&
        services.items.length === count
        ? true
        : undefined;
    },
    timeoutMs,
  );
}

describe("faults", () => {
  test("the API server stops and starts mid-run: the operator recovers without a restart", async () => {
    const operator = startInProcess(client);
    try {
      await createNamespace(client, "restart");
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.create(resourceTypes.component, component("restart", `before-${i}`)),
        ),
      );
      await env.api.stopApiServer();
      await Bun.sleep(3_000);
      await env.api.startApiServer();
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          client.create(resourceTypes.component, component("restart", `after-${i}`)),
        ),
      );
      await allAvailable("restart", 15);
      expect(operator.lines.some((line) => line.includes("watch failed"))).toBe(true);
    } finally {
      await operator.stop();
    }
  }, 120_000);

  test("two operators: only the leader writes; killing it hands over within the lease time", async () => {
    await createNamespace(client, "leader");
    const args = [
      "--kubeconfig",
      env.api.kubeconfig,
      "--leader-elect",
      "--leader-election-namespace",
      "leader",
      "--lease-duration",
      "4",
      "--renew-deadline",
      "3",
      "--retry-period",
      "1",
      "--health-probe-bind-address",
      "127.0.0.1:0",
    ];
    const operators: OperatorProcess[] = [spawnOperator(args), spawnOperator(args)];
    try {
      const identityOf = (p: OperatorProcess) => /as (\S+_[0-9a-f-]{36})/.exec(p.output())?.[1];
      await waitFor("both operators to start", async () =>
        operators.every(identityOf) ? true : undefined,
      );
      const holder = async () =>
        (
          await client.get<KubeObject & { spec: { holderIdentity?: string } }>(
            resourceTypes.lease,
            "leader",
            LEASE,
          )
        ).spec.holderIdentity;
      const first = await waitFor("a leader", holder);
      const leader = operators.find((p) => identityOf(p) === first);
      const follower = operators.find((p) => p !== leader);
      if (!leader || !follower) throw new Error(`no operator has identity ${first}`);

      await client.create(resourceTypes.component, component("leader", "one"));
      await allAvailable("leader", 1);
      expect(leader.output()).toContain("starting controllers");
      expect(follower.output()).not.toContain("starting controllers");
      expect(follower.output()).not.toContain("acquired Lease");

      const killed = Date.now();
      await leader.stop();
      const next = await waitFor("the follower to take the Lease", async () => {
        const identity = await holder();
        return identity && identity !== first ? identity : undefined;
      });
      const handover = Date.now() - killed;
      expect(next).toBe(identityOf(follower) ?? "");
      // Lease duration 4 s, plus one retry period and the follower's own observation delay.
      expect(handover).toBeLessThan(4_000 + 2 * 1_000 + 1_000);
      await client.create(resourceTypes.component, component("leader", "two"));
      await allAvailable("leader", 2);
      expect(follower.output()).toContain("starting controllers");
    } finally {
      await Promise.all(operators.map((p) => p.stop()));
    }
  }, 120_000);
});
