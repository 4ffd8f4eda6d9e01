import { describe, expect, test } from "bun:test";
import type { Component, Domain, Server, Vimana } from "../api/index.ts";
import { deployment, gateway, grpcRoute, service, serviceConflicts } from "./desired.ts";

const DOMAIN_ID = "0123456789abcdef0123456789abcdef";
const meta = (name: string) => ({ name, namespace: "default", uid: `uid-${name}` });

function server(name: string, id: string, services: string[], weights: Record<string, number>) {
  return {
    apiVersion: "api.vimana.host/v1alpha1",
    kind: "Server",
    metadata: { ...meta(name), labels: { "vimana.host/domain": DOMAIN_ID } },
    spec: { id, domain: DOMAIN_ID, services, versionWeights: weights },
  } satisfies Server;
}

describe("desired objects (ref §7.4 names and hashes)", () => {
  const component: Component = {
    apiVersion: "api.vimana.host/v1alpha1",
    kind: "Component",
    metadata: meta("c"),
    spec: {
      domain: DOMAIN_ID,
      server: "some-id",
      version: "1.2.3",
      image: "gcr.io/some/image:latest",
    },
  };

  test("Deployment and Service of a Component", () => {
    expect(deployment(component).metadata.name).toBe(
      "d-0c926b460f60a71c433dc53f2f30380071982d6d845693c2180f16af",
    );
    expect(service(component).metadata.name).toBe(
      "s-0c926b460f60a71c433dc53f2f30380071982d6d845693c2180f16af",
    );
    expect(deployment(component, 7).spec).toMatchObject({ replicas: 7 });
  });

  test("a Domain's reflection policy is a pod template annotation; none without one", () => {
    const domain = (reflection?: { noneBut?: string[]; allBut?: string[] }): Domain => ({
      apiVersion: "api.vimana.host/v1alpha1",
      kind: "Domain",
      metadata: meta("d"),
      spec: { id: DOMAIN_ID, vimana: "v", ...(reflection && { grpc: { reflection } }) },
    });
    const annotations = (d?: Domain) =>
      (deployment(component, 1, d).spec as { template: { metadata: { annotations?: unknown } } })
        .template.metadata.annotations;
    expect(annotations()).toBeUndefined();
    expect(annotations(domain())).toBeUndefined();
    expect(annotations(domain({ allBut: ["a.B"] }))).toEqual({
      "vimana.host/grpc-reflection": "allBut:a.B",
    });
    expect(annotations(domain({ noneBut: [] }))).toEqual({ "vimana.host/grpc-reflection": "none" });
  });

  test("GRPCRoute backends: one rule per server, versions sorted", () => {
    const domain: Domain = {
      apiVersion: "api.vimana.host/v1alpha1",
      kind: "Domain",
      metadata: meta("d"),
      spec: { id: DOMAIN_ID, vimana: "the-vimana", aliases: ["example.com"] },
    };
    const route = grpcRoute(domain, [
      server("my-server", "my-server", ["Service1", "Service2"], { "2.1.0": 20, "1.0.0": 80 }),
      server("other", "a-servier-server", ["some.other.Service"], { "1.1.1": 500, "2.2.2": 1 }),
    ]) as unknown as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
    expect(route.spec.rules.map((r) => r.backendRefs.map((b) => [b.name, b.weight]))).toEqual([
      [
        ["s-d69370231670aee9de1c6577abeff97735b4ee1b12365f4a94158653", 80],
        ["s-4b691f75c60a7dd2bb301c485fbd5df8a995792ee5c4cbe48af8c262", 20],
      ],
      [
        ["s-d165862d33209d230ab761a64a563bd475dad7ed281122b8d07c4cf7", 500],
        ["s-7eade10975f18214cfc46de6e6870d653f480137851020cc6e8972f9", 1],
      ],
    ]);
  });

  test("Gateway listeners per hostname", () => {
    const vimana: Vimana = {
      apiVersion: "api.vimana.host/v1alpha1",
      kind: "Vimana",
      metadata: meta("test-resource"),
      spec: {},
    };
    const domain: Domain = {
      apiVersion: "api.vimana.host/v1alpha1",
      kind: "Domain",
      metadata: meta("d"),
      spec: {
        id: DOMAIN_ID,
        vimana: "test-resource",
        aliases: ["example.com", "foo.bar.whatsittoyouz.net"],
      },
    };
    const g = gateway(vimana, [domain]) as unknown as {
      metadata: { name: string };
      spec: { listeners: { name: string }[] };
    };
    expect(g.metadata.name).toBe("test-resource-gateway");
    const names = g.spec.listeners.map((l) => l.name);
    expect(names.map((n) => [n.slice(0, 10), n.slice(-4)])).toEqual([
      ["l-2faea48d", "1b1b"],
      ["l-79a39cdf", "af47"],
      ["l-92ab4042", "547d"],
    ]);
  });

  test("two Servers claiming one service are a conflict naming both", () => {
    expect(
      serviceConflicts([server("a", "a", ["x.S", "y.S"], {}), server("b", "b", ["x.S"], {})]),
    ).toEqual([{ service: "x.S", servers: ["a", "b"] }]);
  });
});
