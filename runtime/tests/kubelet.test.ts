// The acceptance of issue #11 part 4: a real kubelet (v1.34, built from its Go module) drives
// vimanad, once as shipped (no alpha feature gates) and once with RuntimeClassInImageCriApi, on
// the shared local clusters of test/kubernetes (one per gate setting). A Vimana pod with a
// declared containerPort gets Ready behind a gRPC readiness probe and an HTTP /healthz liveness
// probe, answers AddFloats over gRPC and JSON on its pod IP, shows its output in `kubectl logs`
// and its memory in the summary API, and leaves nothing behind; an ordinary pod runs beside it
// through containerd; a Deployment scales 3 → 30 → 0 with kubelet restarted in the middle.
// Each suite works in a namespace of its own: the clusters are shared with other suites.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { type ClusterFixture, startCluster } from "../../test/kubernetes/index.ts";
import { createCriClient, criMethods } from "../cri/index.ts";
import { addFloats, type PushedImage, pushExample } from "./vimanad.ts";

const POD_READY_MS = 120_000;

interface PodStatus {
  metadata: { name: string; uid: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; containerID?: string; imageID?: string }[];
  };
}

const isReady = (pod: PodStatus) =>
  pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** Polls `ready` until it holds or `timeoutMs` passes, then fails naming `what`. */
async function waitFor(
  what: string,
  timeoutMs: number,
  ready: () => boolean | Promise<boolean>,
  detail: () => Promise<string> | string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await detail()}`);
    }
    await Bun.sleep(250);
  }
}

function vimanaPod(name: string, image: PushedImage, port: number) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: image.labels },
    spec: podSpec(image, port),
  };
}

/** What the operator generates for a Component (ref §7.2), probes included. */
function podSpec(image: PushedImage, port: number) {
  return {
    runtimeClassName: "vimana-runtime",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: "grpc",
        image: image.imageSpec.image,
        imagePullPolicy: "Always",
        ports: [{ containerPort: port, name: "grpc" }],
        readinessProbe: { grpc: { port }, periodSeconds: 1 },
        livenessProbe: { httpGet: { path: "/healthz", port }, periodSeconds: 5 },
      },
    ],
  };
}

/** vimanad's log lines about this image's pods (its domain is unique to the suite). */
function vimanadLines(cluster: ClusterFixture, image: PushedImage): string[] {
  return readFileSync(cluster.vimanadLog, "utf8")
    .split("\n")
    .filter((line) => line.includes(image.domain));
}

const released = (lines: string[], ip: string) =>
  lines.some((line) =>
    new RegExp(`Successful IPAM deallocation: ${ip.replaceAll(".", "\\.")}(?!\\d)`).test(line),
  );

for (const [setting, featureGates, namespace] of [
  ["a stock kubelet", {}, "kubelet-stock"],
  ["kubelet with RuntimeClassInImageCriApi", { RuntimeClassInImageCriApi: true }, "kubelet-gated"],
] as const) {
  describe(`Vimana pods under ${setting}`, () => {
    let cluster: ClusterFixture | undefined;
    let image: PushedImage;
    const kube = () => {
      if (cluster === undefined) throw new Error("the cluster did not start");
      return cluster;
    };
    const kubectl = (...args: string[]) => kube().kubectl("--namespace", namespace, ...args);
    const apply = (manifest: object) =>
      kube().apply(
        `${JSON.stringify({ ...manifest, metadata: { ...(manifest as { metadata: object }).metadata, namespace } })}`,
      );
    const pod = async (name: string): Promise<PodStatus> =>
      JSON.parse(await kubectl("get", "pod", name, "-o", "json"));
    const pods = async (selector: string): Promise<PodStatus[]> =>
      JSON.parse(await kubectl("get", "pods", "-l", selector, "-o", "json")).items;
    /** This suite's Vimana pods as vimanad lists them. */
    const vimanadSandboxes = async () => {
      const cri = createCriClient(kube().vimanadSocket);
      try {
        const { items } = await cri.call(criMethods.ListPodSandbox, {});
        return items.filter(
          (item) =>
            item.runtime_handler === RUNTIME_HANDLER && item.metadata?.namespace === namespace,
        );
      } finally {
        cri.close();
      }
    };
    const podReady = (name: string) =>
      waitFor(
        `pod ${namespace}/${name} Ready`,
        POD_READY_MS,
        async () => isReady(await pod(name)),
        () => kubectl("describe", "pod", name),
      );

    beforeAll(async () => {
      cluster = await startCluster({ featureGates });
      await cluster.kubectl("create", "namespace", namespace);
      await waitFor(`the default ServiceAccount of ${namespace}`, 60_000, () =>
        kubectl("get", "serviceaccount", "default").then(
          () => true,
          () => false,
        ),
      );
      image = await pushExample(cluster.registry, "adder", "1.0.0", { example: "adder-logging-c" });
    }, 600_000);
    afterAll(async () => {
      await cluster?.kubectl("delete", "namespace", namespace, "--wait=false").catch(() => "");
      await cluster?.stop();
    }, 60_000);

    test("a Pod gets Ready, answers on its IP, logs, shows its memory, and leaves nothing behind", async () => {
      const { nodeName, registry, containerdSocket, dataplanePort: port } = kube();
      await apply(vimanaPod("adder", image, port));
      await podReady("adder");
      const running = await pod("adder");
      const ip = running.status.podIP ?? "";
      expect(isIPv4(ip)).toBe(true);
      expect(running.status.containerStatuses?.[0]?.imageID).toMatch(
        new RegExp(`^${registry}/${image.domain}/adder@sha256:[0-9a-f]{64}$`),
      );

      expect(await addFloats(ip, port, 3.5, -1.2)).toBe(Math.fround(2.3));
      const json = await fetch(`http://${ip}:${port}/foo.bar.AdderService/AddFloats`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ x: 3.5, y: -1.2 }),
      });
      expect(await json.json()).toEqual({ result: 2.3 });

      await waitFor(
        "kubectl logs to show both calls",
        30_000,
        async () =>
          (await kubectl("logs", "adder"))
            .split("\n")
            .filter((line) => line === "AddFloats(3.5, -1.2) = 2.3").length === 2,
      );

      // The summary API (what `kubectl top` reads through metrics-server).
      let memory = 0;
      await waitFor("the summary API to report the pod's memory", 60_000, async () => {
        const summary = JSON.parse(
          await kube().kubectl("get", "--raw", `/api/v1/nodes/${nodeName}/proxy/stats/summary`),
        );
        const found = summary.pods?.find(
          (p: { podRef: { name: string; namespace: string } }) =>
            p.podRef.name === "adder" && p.podRef.namespace === namespace,
        );
        memory = found?.memory?.workingSetBytes ?? 0;
        return memory > 0;
      });
      expect(memory % 65536).toBe(0);

      const [sandbox] = await vimanadSandboxes();
      expect(sandbox?.metadata?.name).toBe("adder");
      await kubectl("delete", "pod", "adder", "--wait=true", "--timeout=60s");
      // kubelet stops the sandbox at once (freeing its address) and removes it in its next
      // container garbage collection, which runs once a minute.
      await waitFor(
        "kubelet to remove the sandbox",
        150_000,
        async () => (await vimanadSandboxes()).length === 0,
      );
      // containerd never saw it, and the address is free.
      const direct = createCriClient(containerdSocket);
      try {
        const own = (await direct.call(criMethods.ListPodSandbox, {})).items;
        expect(own.filter((item) => item.metadata?.namespace === namespace)).toEqual([]);
      } finally {
        direct.close();
      }
      expect(released(vimanadLines(kube(), image), ip)).toBe(true);
      await expect(addFloats(ip, port, 1, 2)).rejects.toThrow();
    }, 300_000);

    if (setting !== "a stock kubelet") return;

    test("an ordinary pod runs beside a Vimana pod, its CRI calls reaching containerd unchanged", async () => {
      const { busyboxImage, containerdSocket, vimanadSocket, dataplanePort: port } = kube();
      await apply(vimanaPod("beside", image, port));
      await apply({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "plain", labels: { app: "plain" } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "sh",
              image: busyboxImage,
              command: ["sh", "-c", "echo hello from busybox; exec sleep 3600"],
            },
          ],
        },
      });
      for (const name of ["beside", "plain"]) await podReady(name);
      await waitFor("kubectl logs of the ordinary pod", 30_000, async () =>
        (await kubectl("logs", "plain")).includes("hello from busybox"),
      );
      const plain = await pod("plain");
      const beside = await pod("beside");
      expect(await addFloats(beside.status.podIP ?? "", port, 3.5, -1.2)).toBe(Math.fround(2.3));

      // What containerd itself holds for the ordinary pod is what kubelet asked vimanad for, and
      // what vimanad reports of it is containerd's answer, field for field.
      const direct = createCriClient(containerdSocket);
      const via = createCriClient(vimanadSocket);
      try {
        const own = (await direct.call(criMethods.ListPodSandbox, {})).items.filter(
          (item) => item.metadata?.namespace === namespace && item.state === 0,
        );
        expect(own.map((item) => item.metadata?.name)).toEqual(["plain"]);
        const sandbox = own[0];
        expect(sandbox?.metadata?.uid).toBe(plain.metadata.uid);
        expect(sandbox?.labels["io.kubernetes.pod.name"]).toBe("plain");
        expect(sandbox?.runtime_handler).toBe("");
        const id = sandbox?.id ?? "";
        const [mine, theirs] = await Promise.all([
          via.call(criMethods.PodSandboxStatus, { pod_sandbox_id: id }),
          direct.call(criMethods.PodSandboxStatus, { pod_sandbox_id: id }),
        ]);
        expect({ ...mine, timestamp: 0n }).toEqual({ ...theirs, timestamp: 0n });
        expect(mine.status?.network?.ip).toBe(plain.status.podIP ?? "");
        const containers = (
          await direct.call(criMethods.ListContainers, { filter: { pod_sandbox_id: id } })
        ).containers;
        expect(containers.map((c) => c.metadata?.name)).toEqual(["sh"]);
        const containerId = containers[0]?.id ?? "";
        const [status, ownStatus] = await Promise.all([
          via.call(criMethods.ContainerStatus, { container_id: containerId }),
          direct.call(criMethods.ContainerStatus, { container_id: containerId }),
        ]);
        expect(status).toEqual(ownStatus);
        expect(ownStatus.status?.image?.image).toBe(busyboxImage);
        // kubelet names every container by the runtime it talks to: vimanad (Version "vimana").
        expect(plain.status.containerStatuses?.[0]?.containerID).toBe(`vimana://${containerId}`);
        // And the Vimana pod is vimanad's alone.
        expect(own.map((item) => item.metadata?.name)).not.toContain("beside");
        expect((await vimanadSandboxes()).map((item) => item.metadata?.name)).toEqual(["beside"]);
      } finally {
        direct.close();
        via.close();
      }
      await kubectl("delete", "pod", "plain", "beside", "--wait=true", "--timeout=60s");
    }, 300_000);

    test("a Deployment scales 3 → 30 → 0; kubelet restarted in the middle re-adopts its pods", async () => {
      const { dataplanePort: port } = kube();
      const selector = "app=adder-deployment";
      const allReady = (count: number) => async () => {
        const found = await pods(selector);
        return found.length === count && found.every(isReady);
      };
      const listing = () => kubectl("get", "pods", "-o", "wide");
      await apply({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "adder" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "adder-deployment" } },
          template: {
            metadata: { labels: { app: "adder-deployment", ...image.labels } },
            spec: podSpec(image, port),
          },
        },
      });
      await waitFor("3 replicas Ready", POD_READY_MS, allReady(3), listing);
      await kubectl("scale", "deployment", "adder", "--replicas=30");
      await waitFor("30 replicas Ready", 240_000, allReady(30), listing);
      const before = await pods(selector);
      const ips = before.map((p) => p.status.podIP ?? "");
      expect(new Set(ips).size).toBe(30);

      await kube().restartKubelet();
      // Serving went on, and kubelet took the pods back as they were: no restart, same containers.
      const sums = await Promise.all(ips.map((ip) => addFloats(ip, port, 1, 2)));
      expect(sums).toEqual(Array(30).fill(3));
      await waitFor(
        "30 replicas Ready after kubelet's restart",
        POD_READY_MS,
        allReady(30),
        listing,
      );
      const after = await pods(selector);
      const containers = (list: PodStatus[]) =>
        list.map((p) => `${p.metadata.uid} ${p.status.containerStatuses?.[0]?.containerID}`).sort();
      expect(containers(after)).toEqual(containers(before));
      expect(after.every((p) => p.status.containerStatuses?.[0]?.restartCount === 0)).toBe(true);
      expect(
        before.every((p) =>
          p.status.containerStatuses?.[0]?.containerID?.startsWith("vimana://c-"),
        ),
      ).toBe(true);

      await kubectl("scale", "deployment", "adder", "--replicas=0");
      await waitFor("every replica gone", 240_000, async () => (await pods(selector)).length === 0);
      await waitFor(
        "vimanad to forget every pod",
        150_000,
        async () => (await vimanadSandboxes()).length === 0,
      );
      const lines = vimanadLines(kube(), image);
      for (const ip of ips) expect(released(lines, ip)).toBe(true);
      // Every pod of this image started once and was removed once: kubelet's restart made none.
      const count = (text: string) => lines.filter((line) => line.includes(text)).length;
      expect(count("Successful pod deletion")).toBe(count("Successful pod initialization"));
      await kubectl("delete", "deployment", "adder");
    }, 600_000);
  });
}
