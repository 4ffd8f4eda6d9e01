// The operator against a real kube-apiserver + etcd with the Gateway API and EnvoyProxy CRDs:
// every case of ref §7.4 on the objects the API server stores, the fixes, schema validation.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Component, Condition, Domain, KubeObject, Server, Vimana } from "./api/index.ts";
import { ApiError, isConflict, type KubeClient, resourceTypes } from "./client/index.ts";
import { upsert } from "./controllers/apply.ts";
import { operatorManifests } from "./manifests/index.ts";
import { type OperatorEnv, startOperatorEnv } from "./testing/env.ts";
import { createNamespace, waitFor } from "./testing/install.ts";
import { type InProcessOperator, startInProcess } from "./testing/operator.ts";

// Objects read back from the API server: the assertions check their shape.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;

const DOMAIN_ID = "0123456789abcdef0123456789abcdef";
const API = "api.vimana.host/v1alpha1";

let env: OperatorEnv;
let client: KubeClient;
let operator: InProcessOperator;
let namespaces = 0;

beforeAll(async () => {
  env = await startOperatorEnv();
  client = env.client;
  operator = startInProcess(client);
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  await env?.stop();
});

async function freshNamespace(): Promise<string> {
  const name = `t${++namespaces}-${Date.now().toString(36)}`;
  await createNamespace(client, name);
  return name;
}

function vimana(namespace: string, name: string): Vimana {
  return { apiVersion: API, kind: "Vimana", metadata: { name, namespace }, spec: {} };
}

function domain(namespace: string, name: string, spec: Domain["spec"]): Domain {
  return { apiVersion: API, kind: "Domain", metadata: { name, namespace }, spec };
}

function server(
  namespace: string,
  name: string,
  spec: Omit<Server["spec"], "domain">,
  domainId = DOMAIN_ID,
): Server {
  return {
    apiVersion: API,
    kind: "Server",
    metadata: { name, namespace, labels: { "vimana.host/domain": domainId } },
    spec: { domain: domainId, ...spec },
  };
}

function component(namespace: string, name: string, spec: Component["spec"]): Component {
  return { apiVersion: API, kind: "Component", metadata: { name, namespace }, spec };
}

type WithStatus = KubeObject & { status?: { conditions?: Condition[] } };

async function available(
  type: (typeof resourceTypes)[keyof typeof resourceTypes],
  namespace: string,
  name: string,
  status: "True" | "False" = "True",
): Promise<Condition[]> {
  return waitFor(`${type.kind} ${namespace}/${name} Available=${status}`, async () => {
    const live = await client.get<WithStatus>(type, namespace, name);
    const conditions = live.status?.conditions ?? [];
    const condition = conditions.find((c) => c.type === "Available");
    return condition?.status === status && condition.observedGeneration === live.metadata.generation
      ? conditions
      : undefined;
  });
}

/** A client's read-modify-write: the operator writes status meanwhile, so a 409 means read again. */
async function modify<T extends KubeObject>(
  type: (typeof resourceTypes)[keyof typeof resourceTypes],
  namespace: string,
  name: string,
  change: (live: T) => T,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.update(type, change(await client.get<T>(type, namespace, name)));
      return;
    } catch (error) {
      if (!isConflict(error) || attempt === 10) throw error;
    }
  }
}

async function getObject<T = KubeObject & { spec: Record<string, unknown> }>(
  type: (typeof resourceTypes)[keyof typeof resourceTypes],
  namespace: string | undefined,
  name: string,
): Promise<T> {
  return waitFor(
    `${type.kind} ${namespace ?? ""}/${name}`,
    async () => (await client.get(type, namespace, name).catch(() => undefined)) as T | undefined,
  );
}

describe("Component (ref §7.4)", () => {
  test("reconciles into Deployment d-<sha224> and Service s-<sha224>", async () => {
    const ns = await freshNamespace();
    const created = await client.create(
      resourceTypes.component,
      component(ns, "test-resource", {
        domain: DOMAIN_ID,
        server: "some-id",
        version: "1.2.3",
        image: "gcr.io/some/image:latest",
      }),
    );
    const conditions = await available(resourceTypes.component, ns, "test-resource");
    expect(conditions).toHaveLength(1);
    expect(conditions[0]).toMatchObject({
      type: "Available",
      status: "True",
      reason: "Reconciled",
      message: "Successfully reconciled component",
    });
    const labels = {
      "vimana.host/domain": DOMAIN_ID,
      "vimana.host/server": "some-id",
      "vimana.host/version": "1.2.3",
    };
    const owner = {
      apiVersion: API,
      kind: "Component",
      name: "test-resource",
      uid: created.metadata.uid ?? "",
      controller: true,
      blockOwnerDeletion: true,
    };
    const deployments = await client.list(resourceTypes.deployment, ns);
    expect(deployments.items.map((d) => d.metadata.name)).toEqual([
      "d-0c926b460f60a71c433dc53f2f30380071982d6d845693c2180f16af",
    ]);
    const deployment = deployments.items[0] as KubeObject & { spec: unknown };
    expect(deployment.metadata.labels).toEqual(labels);
    expect(deployment.metadata.ownerReferences).toEqual([owner]);
    expect(deployment.spec).toMatchObject({
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          runtimeClassName: "vimana-runtime",
          containers: [
            { name: "grpc", image: "gcr.io/some/image:latest", imagePullPolicy: "Always" },
          ],
        },
      },
    });
    const service = await client.get<KubeObject & { spec: Record<string, unknown> }>(
      resourceTypes.service,
      ns,
      "s-0c926b460f60a71c433dc53f2f30380071982d6d845693c2180f16af",
    );
    expect(service.metadata.ownerReferences).toEqual([owner]);
    expect(service.spec).toMatchObject({
      type: "ClusterIP",
      selector: labels,
      ports: [{ port: 80, protocol: "TCP", targetPort: 80, appProtocol: "kubernetes.io/h2c" }],
    });
  });

  test("replicas set by someone else are kept when the Component changes", async () => {
    const ns = await freshNamespace();
    const spec = { domain: DOMAIN_ID, server: "scaled", version: "1.0.0", image: "r/a:1" };
    await client.create(resourceTypes.component, component(ns, "c", spec));
    await available(resourceTypes.component, ns, "c");
    const [live] = (
      await client.list<KubeObject & { spec: { replicas: number } }>(resourceTypes.deployment, ns)
    ).items;
    if (!live) throw new Error("no Deployment");
    await modify<KubeObject & { spec: { replicas: number } }>(
      resourceTypes.deployment,
      ns,
      live.metadata.name,
      (d) => ({ ...d, spec: { ...d.spec, replicas: 3 } }),
    );
    await modify<Component>(resourceTypes.component, ns, "c", (current) => ({
      ...current,
      spec: { ...current.spec, image: "r/a:2" },
    }));
    const updated = await waitFor("the Deployment's image to follow the Component", async () => {
      const d = await client.get<KubeObject & { spec: Json }>(
        resourceTypes.deployment,
        ns,
        live.metadata.name,
      );
      return d.spec.template.spec.containers[0].image === "r/a:2" ? d : undefined;
    });
    expect(updated.spec.replicas).toBe(3);
  });

  test("a Domain's reflection policy reaches its Components' pods as an annotation, and follows changes", async () => {
    const ns = await freshNamespace();
    const spec = { domain: DOMAIN_ID, server: "reflected", version: "1.0.0", image: "r/r:1" };
    await client.create(resourceTypes.component, component(ns, "c", spec));
    await available(resourceTypes.component, ns, "c");
    const annotationOf = async () => {
      const [d] = (await client.list<KubeObject & { spec: Json }>(resourceTypes.deployment, ns))
        .items;
      return d?.spec.template.metadata.annotations?.["vimana.host/grpc-reflection"] as
        | string
        | undefined;
    };
    // No Domain, or one without a policy: the original's template, no annotation.
    expect(await annotationOf()).toBeUndefined();
    await client.create(
      resourceTypes.domain,
      domain(ns, "named-apart", {
        id: DOMAIN_ID,
        vimana: "v",
        grpc: { reflection: { noneBut: ["foo.bar.AdderService"] } },
      }),
    );
    await waitFor("the annotation noneBut:foo.bar.AdderService", async () =>
      (await annotationOf()) === "noneBut:foo.bar.AdderService" ? true : undefined,
    );
    await modify<Domain>(resourceTypes.domain, ns, "named-apart", (current) => ({
      ...current,
      spec: { ...current.spec, grpc: { reflection: { noneBut: [] } } },
    }));
    await waitFor("the annotation none", async () =>
      (await annotationOf()) === "none" ? true : undefined,
    );
  });

  test("deleting a Component deletes its Deployment and Service (owner references, garbage collector)", async () => {
    const ns = await freshNamespace();
    const spec = { domain: DOMAIN_ID, server: "gone", version: "1.0.0", image: "r/g:1" };
    await client.create(resourceTypes.component, component(ns, "c", spec));
    await available(resourceTypes.component, ns, "c");
    await client.delete(resourceTypes.component, ns, "c");
    await waitFor(
      "the Deployment and Service to be garbage collected",
      async () => {
        const [deployments, services] = await Promise.all([
          client.list(resourceTypes.deployment, ns),
          client.list(resourceTypes.service, ns),
        ]);
        return deployments.items.length + services.items.length === 0 ? true : undefined;
      },
      60_000,
    );
  });

  test("a Deployment controlled by someone else: Available=False DeploymentOwner and a Warning Event", async () => {
    const ns = await freshNamespace();
    const spec = { domain: DOMAIN_ID, server: "taken", version: "1.0.0", image: "r/t:1" };
    const other = await client.create(
      resourceTypes.component,
      component(ns, "first", { ...spec, server: "first" }),
    );
    // A Deployment with the name the second Component wants, controlled by the first.
    const wanted = `d-${new Bun.CryptoHasher("sha224").update(`${DOMAIN_ID}:taken@1.0.0`).digest("hex")}`;
    await client.create(resourceTypes.deployment, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: wanted,
        namespace: ns,
        ownerReferences: [
          {
            apiVersion: API,
            kind: "Component",
            name: "first",
            uid: other.metadata.uid ?? "",
            controller: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: {
          metadata: { labels: { a: "b" } },
          spec: { containers: [{ name: "x", image: "x" }] },
        },
      },
    });
    await client.create(resourceTypes.component, component(ns, "second", spec));
    const conditions = await available(resourceTypes.component, ns, "second", "False");
    expect(conditions[0]?.reason).toBe("DeploymentOwner");
    expect(conditions[0]?.message).toContain("already controlled by Component first");
    const events = await waitFor("a Warning Event on the Component", async () => {
      const list = await client.list<
        KubeObject & { reason: string; type: string; involvedObject: { name: string } }
      >(resourceTypes.event, ns);
      const found = list.items.filter((e) => e.involvedObject.name === "second");
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({ type: "Warning", reason: "DeploymentOwner" });
  });
});

describe("Domain (ref §7.4)", () => {
  test("without Servers: a GRPCRoute owned by the Domain, three hostnames, no rules", async () => {
    const ns = await freshNamespace();
    const created = await client.create(
      resourceTypes.domain,
      domain(ns, "test-resource", {
        id: DOMAIN_ID,
        vimana: "the-vimana",
        aliases: ["example.com", "api.example.fersher.net"],
      }),
    );
    await available(resourceTypes.domain, ns, "test-resource");
    const route = await getObject<KubeObject & { spec: Json }>(
      resourceTypes.grpcRoute,
      ns,
      DOMAIN_ID,
    );
    expect(route.metadata.labels).toEqual({ "vimana.host/domain": DOMAIN_ID });
    expect(route.metadata.ownerReferences).toEqual([
      {
        apiVersion: API,
        kind: "Domain",
        name: "test-resource",
        uid: created.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(route.spec.hostnames).toEqual([
      `${DOMAIN_ID}.app.vimana.host`,
      "example.com",
      "api.example.fersher.net",
    ]);
    expect(route.spec.rules ?? []).toEqual([]);
    expect(route.spec.parentRefs).toMatchObject([{ name: "the-vimana-gateway" }]);
  });

  test("two Servers: one rule each, weighted backends s-<sha224(domain:server@version)>", async () => {
    const ns = await freshNamespace();
    await client.create(
      resourceTypes.server,
      server(ns, "my-server", {
        id: "my-server",
        services: ["Service1", "Service2"],
        versionWeights: { "1.0.0": 80, "2.1.0": 20 },
      }),
    );
    await client.create(
      resourceTypes.server,
      server(ns, "other-server", {
        id: "a-servier-server",
        services: ["some.other.Service"],
        versionWeights: { "1.1.1": 500, "2.2.2": 1 },
      }),
    );
    await client.create(
      resourceTypes.domain,
      domain(ns, "test-resource", { id: DOMAIN_ID, vimana: "the-vimana" }),
    );
    const route = await waitFor("the GRPCRoute with two rules", async () => {
      const r = await client.get<KubeObject & { spec: Json }>(
        resourceTypes.grpcRoute,
        ns,
        DOMAIN_ID,
      );
      return r.spec.rules?.length === 2 ? r : undefined;
    });
    const backend = (name: string, weight: number) => ({
      group: "",
      kind: "Service",
      name,
      port: 80,
      weight,
    });
    const match = (service: string) => ({ method: { type: "Exact", service } });
    expect(route.spec.rules).toEqual([
      {
        matches: [match("Service1"), match("Service2")],
        backendRefs: [
          backend("s-d69370231670aee9de1c6577abeff97735b4ee1b12365f4a94158653", 80),
          backend("s-4b691f75c60a7dd2bb301c485fbd5df8a995792ee5c4cbe48af8c262", 20),
        ],
      },
      {
        matches: [match("some.other.Service")],
        backendRefs: [
          backend("s-d165862d33209d230ab761a64a563bd475dad7ed281122b8d07c4cf7", 500),
          backend("s-7eade10975f18214cfc46de6e6870d653f480137851020cc6e8972f9", 1),
        ],
      },
    ]);
  });

  test("adding a Server updates the route; a Domain whose name differs from its id follows Server changes", async () => {
    const ns = await freshNamespace();
    await client.create(
      resourceTypes.domain,
      domain(ns, "foo-domain", { id: DOMAIN_ID, vimana: "v" }),
    );
    await available(resourceTypes.domain, ns, "foo-domain");
    await client.create(
      resourceTypes.server,
      server(ns, "s", {
        id: "s",
        services: ["a.Service"],
        versionWeights: { "1.0.0": 1 },
      }),
    );
    await waitFor("one rule after the Server was added", async () => {
      const r = await client.get<KubeObject & { spec: Json }>(
        resourceTypes.grpcRoute,
        ns,
        DOMAIN_ID,
      );
      return r.spec.rules?.length === 1 ? r : undefined;
    });
    await modify<Server>(resourceTypes.server, ns, "s", (live) => ({
      ...live,
      spec: { ...live.spec, versionWeights: { "1.0.0": 1, "1.1.0": 9 } },
    }));
    const route = await waitFor("the new version's backend", async () => {
      const r = await client.get<KubeObject & { spec: Json }>(
        resourceTypes.grpcRoute,
        ns,
        DOMAIN_ID,
      );
      return r.spec.rules?.[0]?.backendRefs?.length === 2 ? r : undefined;
    });
    expect(route.spec.rules[0].backendRefs.map((b: { weight: number }) => b.weight)).toEqual([
      1, 9,
    ]);
  });

  test("two Servers claiming one service: Available=False ServiceConflict naming both, and an Event", async () => {
    const ns = await freshNamespace();
    await client.create(resourceTypes.domain, domain(ns, "d", { id: DOMAIN_ID, vimana: "v" }));
    await client.create(
      resourceTypes.server,
      server(ns, "alpha", { id: "alpha", services: ["x.Svc"] }),
    );
    await client.create(
      resourceTypes.server,
      server(ns, "beta", { id: "beta", services: ["x.Svc"] }),
    );
    const conditions = await waitFor("ServiceConflict", async () => {
      const d = await client.get<Domain>(resourceTypes.domain, ns, "d");
      const c = d.status?.conditions?.find((c) => c.type === "Available");
      return c?.reason === "ServiceConflict" ? c : undefined;
    });
    expect(conditions.status).toBe("False");
    expect(conditions.message).toBe("service x.Svc is claimed by Servers alpha and beta");
    const events = await client.list<
      KubeObject & { reason: string; type: string; involvedObject: { kind: string; name: string } }
    >(resourceTypes.event, ns);
    expect(
      events.items.some(
        (e) =>
          e.reason === "ServiceConflict" &&
          e.type === "Warning" &&
          e.involvedObject.kind === "Domain" &&
          e.involvedObject.name === "d",
      ),
    ).toBe(true);
  });
});

describe("Server", () => {
  test("Available says whether its Domain exists", async () => {
    const ns = await freshNamespace();
    await client.create(resourceTypes.server, server(ns, "lonely", { id: "lonely" }));
    const before = await available(resourceTypes.server, ns, "lonely", "False");
    expect(before[0]).toMatchObject({
      reason: "DomainNotFound",
      message: `no Domain with id ${DOMAIN_ID} in namespace ${ns}`,
    });
    await client.create(
      resourceTypes.domain,
      domain(ns, "named-otherwise", { id: DOMAIN_ID, vimana: "v" }),
    );
    const after = await available(resourceTypes.server, ns, "lonely");
    expect(after[0]).toMatchObject({
      reason: "Reconciled",
      message: "Successfully reconciled server",
    });
  });
});

describe("Vimana (ref §7.4)", () => {
  test("without Domains there is no Gateway; with one, RuntimeClass, GatewayClass, EnvoyProxy and the Gateway", async () => {
    const ns = await freshNamespace();
    const created = await client.create(resourceTypes.vimana, vimana(ns, "test-resource"));
    await getObject(resourceTypes.runtimeClass, undefined, "vimana-runtime");
    await Bun.sleep(500);
    const missing = await client
      .get(resourceTypes.gateway, ns, "test-resource-gateway")
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).code).toBe(404);

    await client.create(
      resourceTypes.domain,
      domain(ns, "d", {
        id: DOMAIN_ID,
        vimana: "test-resource",
        aliases: ["example.com", "foo.bar.whatsittoyouz.net"],
      }),
    );
    const conditions = await available(resourceTypes.vimana, ns, "test-resource");
    expect(conditions[0]).toMatchObject({
      reason: "Reconciled",
      message: "Successfully reconciled vimana",
    });
    const runtimeClass = await client.get<KubeObject & { handler: string }>(
      resourceTypes.runtimeClass,
      undefined,
      "vimana-runtime",
    );
    expect(runtimeClass.handler).toBe("vimana-handler");
    expect(runtimeClass.metadata.ownerReferences).toBeUndefined();
    const gatewayClass = await client.get<KubeObject & { spec: unknown }>(
      resourceTypes.gatewayClass,
      undefined,
      "envoy-gateway",
    );
    expect(gatewayClass.metadata.ownerReferences).toBeUndefined();
    expect(gatewayClass.spec).toMatchObject({
      controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
      parametersRef: {
        group: "gateway.envoyproxy.io",
        kind: "EnvoyProxy",
        name: "envoy-gateway-config",
        namespace: "envoy-gateway-system",
      },
      description: "Vimana Gateway class",
    });
    const proxy = await client.get<KubeObject & { spec: unknown }>(
      resourceTypes.envoyProxy,
      "envoy-gateway-system",
      "envoy-gateway-config",
    );
    expect(proxy.spec).toMatchObject({ provider: { type: "Kubernetes" } });
    const gateway = await client.get<KubeObject & { spec: Json }>(
      resourceTypes.gateway,
      ns,
      "test-resource-gateway",
    );
    expect(gateway.metadata.ownerReferences).toEqual([
      {
        apiVersion: API,
        kind: "Vimana",
        name: "test-resource",
        uid: created.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(gateway.spec.gatewayClassName).toBe("envoy-gateway");
    const listeners = gateway.spec.listeners as Json[];
    expect(listeners.map((l) => [l.name.slice(0, 10), l.name.slice(-4), l.name.length])).toEqual([
      ["l-2faea48d", "1b1b", 58],
      ["l-79a39cdf", "af47", 58],
      ["l-92ab4042", "547d", 58],
    ]);
    expect(listeners[1]).toMatchObject({
      protocol: "HTTPS",
      port: 443,
      hostname: "example.com",
      tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", namespace: ns }] },
      allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ kind: "GRPCRoute" }] },
    });
  });
});

describe("validation by the API server, with the schema's messages", () => {
  async function rejection(create: () => Promise<unknown>): Promise<string> {
    const error = await create().then(
      () => undefined,
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(422);
    return (error as ApiError).message;
  }

  test("bad Domain id", async () => {
    const ns = await freshNamespace();
    const message = await rejection(() =>
      client.create(resourceTypes.domain, domain(ns, "d", { id: "0123-NOT-HEX", vimana: "v" })),
    );
    expect(message).toContain("id must be 32 lowercase hexadecimal digits");
  });

  test("bad Server id and Component version", async () => {
    const ns = await freshNamespace();
    expect(
      await rejection(() =>
        client.create(resourceTypes.server, server(ns, "s", { id: "Not_Valid" })),
      ),
    ).toContain("id must be 1-63 lowercase letters");
    expect(
      await rejection(() =>
        client.create(
          resourceTypes.component,
          component(ns, "c", {
            domain: DOMAIN_ID,
            server: "s",
            version: "1.2.3-alpha.1",
            image: "i",
          }),
        ),
      ),
    ).toContain("version must look like 1.2.3");
  });

  test("negative weight", async () => {
    const ns = await freshNamespace();
    const message = await rejection(() =>
      client.create(
        resourceTypes.server,
        server(ns, "s", { id: "s", versionWeights: { "1.0.0": -1 } }),
      ),
    );
    expect(message).toContain("versionWeights values must be 0 or more");
  });

  test("missing required field", async () => {
    const ns = await freshNamespace();
    const message = await rejection(() =>
      client.create(resourceTypes.domain, {
        apiVersion: API,
        kind: "Domain",
        metadata: { name: "d", namespace: ns },
        spec: { id: DOMAIN_ID },
      } as KubeObject),
    );
    expect(message).toContain("spec.vimana: Required value");
  });

  test("changed id", async () => {
    const ns = await freshNamespace();
    await client.create<Domain>(
      resourceTypes.domain,
      domain(ns, "d", { id: DOMAIN_ID, vimana: "v" }),
    );
    const message = await rejection(() =>
      modify<Domain>(resourceTypes.domain, ns, "d", (live) => ({
        ...live,
        spec: { ...live.spec, id: "ffffffffffffffffffffffffffffffff" },
      })),
    );
    expect(message).toContain("id is immutable");
  });
});

describe("install manifests", () => {
  test("the API server accepts every object of `vimana-operator manifests`", async () => {
    const typeOf: Record<string, (typeof resourceTypes)[keyof typeof resourceTypes]> = {
      Namespace: resourceTypes.namespace,
      CustomResourceDefinition: resourceTypes.customResourceDefinition,
      ServiceAccount: resourceTypes.serviceAccount,
      ClusterRole: resourceTypes.clusterRole,
      ClusterRoleBinding: resourceTypes.clusterRoleBinding,
      Role: resourceTypes.role,
      RoleBinding: resourceTypes.roleBinding,
      Deployment: resourceTypes.deployment,
    };
    for (const object of operatorManifests()) {
      const manifest = object as KubeObject;
      const type = typeOf[manifest.kind];
      if (!type) throw new Error(`no resource type for ${manifest.kind}`);
      // The suite installed the CRDs already; they must be the same.
      if (manifest.kind === "CustomResourceDefinition") {
        const live = await client.get<KubeObject & { spec: unknown }>(
          type,
          undefined,
          manifest.metadata.name,
        );
        expect(live.spec).toMatchObject(manifest.spec as object);
        continue;
      }
      const created = await client.create(type, manifest);
      expect(created.metadata.uid).toBeTruthy();
    }
  });
});

describe("runtime", () => {
  test("a conflicting concurrent update (409) is retried", async () => {
    const ns = await freshNamespace();
    const desired = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "raced", namespace: ns, labels: { a: "1" } },
      spec: { ports: [{ port: 80 }], selector: { a: "1" } },
    };
    await client.create(resourceTypes.service, {
      ...desired,
      spec: { ...desired.spec, selector: { a: "0" } },
    });
    let interfered = 0;
    const stored = await upsert(client, resourceTypes.service, desired, {
      fromLive: async (live) => {
        if (interfered++ === 0) {
          // Someone else writes between our read and our write: our update gets 409 Conflict.
          const concurrent = {
            ...live,
            metadata: { ...live.metadata, annotations: { by: "someone-else" } },
          };
          await client.update(resourceTypes.service, concurrent);
        }
        return desired;
      },
    });
    expect(interfered).toBe(2);
    expect(stored.metadata.annotations).toEqual({ by: "someone-else" });
    expect((stored.spec as { selector: unknown }).selector).toEqual({ a: "1" });
  });

  test("a watch from a compacted resourceVersion fails with 410 Gone (the caches then list again)", async () => {
    const ns = await freshNamespace();
    const configMaps = {
      apiVersion: "v1",
      kind: "ConfigMap",
      plural: "configmaps",
      namespaced: true,
    };
    const first = await client.create<KubeObject>(configMaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "first", namespace: ns },
    });
    // Compacting at the latest revision keeps it: the watch must start two writes back.
    for (const name of ["second", "third"]) {
      await client.create(configMaps, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: ns },
      });
    }
    await env.api.compactEtcd();
    const abort = new AbortController();
    const error = await client
      .watch(
        configMaps,
        {
          resourceVersion: first.metadata.resourceVersion ?? "",
          timeoutSeconds: 5,
          signal: abort.signal,
        },
        () => {},
      )
      .then(
        () => undefined,
        (e) => e,
      );
    abort.abort();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(410);
  });

  test("probes and metrics answer", async () => {
    const { healthPort, metricsPort } = operator.manager.endpoints;
    expect(await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).text()).toBe("ok\n");
    expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /controller_runtime_reconcile_total\{controller="component",result="success"\} \d+/,
    );
    expect(metrics).toContain('workqueue_depth{name="domain"}');
    expect(metrics).toContain(
      'controller_runtime_reconcile_time_seconds_count{controller="component"}',
    );
  });
});
