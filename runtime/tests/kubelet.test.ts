// The acceptance of issue #11 part 4: a real kubelet (v1.34, built from its Go module) drives
// vimanad, once as shipped (no alpha feature gates) and once with RuntimeClassInImageCriApi.
// A Vimana pod with a declared containerPort gets Ready behind a gRPC readiness probe and an
// HTTP /healthz liveness probe, answers AddFloats over gRPC and JSON on its pod IP, shows its
// output in `kubectl logs` and its memory in the summary API, and leaves nothing behind; a
// Deployment scales 3 → 30 → 0 with kubelet restarted in the middle.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { createCriClient, criMethods } from "../cri/index.ts";
import { type KubeletCluster, startKubeletCluster, waitFor } from "./kubelet/cluster.ts";
import { addFloats, type PushedImage, pushExample } from "./vimanad.ts";

const CLUSTER_START_MS = 300_000;
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

function vimanaPod(name: string, image: PushedImage, labels: Record<string, string> = {}) {
  return {
    metadata: { name, labels: { ...image.labels, ...labels } },
    spec: podSpec(image),
  };
}

/** What the operator generates for a Component (ref §7.2), probes included. */
function podSpec(image: PushedImage) {
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
        ports: [{ containerPort: 80, name: "grpc" }],
        readinessProbe: { grpc: { port: 80 }, periodSeconds: 1 },
        livenessProbe: { httpGet: { path: "/healthz", port: 80 }, periodSeconds: 5 },
      },
    ],
  };
}

for (const [setting, featureGates] of [
  ["a stock kubelet", {}],
  ["kubelet with RuntimeClassInImageCriApi", { RuntimeClassInImageCriApi: true }],
] as const) {
  describe(`Vimana pods under ${setting}`, () => {
    let cluster: KubeletCluster | undefined;
    let image: PushedImage;
    const kube = () => {
      if (cluster === undefined) throw new Error("the cluster did not start");
      return cluster;
    };
    const pod = (name: string): PodStatus =>
      JSON.parse(kube().kubectl("get", "pod", name, "-o", "json"));
    const pods = (selector: string): PodStatus[] =>
      JSON.parse(kube().kubectl("get", "pods", "-l", selector, "-o", "json")).items;
    /** Vimana pods vimanad itself lists (none of containerd's). */
    const vimanadSandboxes = async () => {
      const cri = createCriClient(kube().stack.vimanad.socket);
      try {
        const { items } = await cri.call(criMethods.ListPodSandbox, {});
        return items.filter((item) => item.runtime_handler === RUNTIME_HANDLER);
      } finally {
        cri.close();
      }
    };

    beforeAll(async () => {
      cluster = await startKubeletCluster({ featureGates });
      image = await pushExample(cluster.stack.registry.host, "adder", "1.0.0", {
        example: "adder-logging-c",
      });
    }, CLUSTER_START_MS);
    afterAll(async () => {
      await cluster?.stop();
    }, 60_000);

    test("a Pod gets Ready, answers on its IP, logs, shows its memory, and leaves nothing behind", async () => {
      const { kubectl, apply, nodeName, stack } = kube();
      apply(JSON.stringify({ apiVersion: "v1", kind: "Pod", ...vimanaPod("adder", image) }));
      await waitFor(
        "pod adder Ready",
        POD_READY_MS,
        () => isReady(pod("adder")),
        () => kubectl("describe", "pod", "adder"),
      );
      const running = pod("adder");
      const ip = running.status.podIP ?? "";
      expect(ip).toMatch(/^127\./);
      expect(running.status.containerStatuses?.[0]?.imageID).toMatch(
        new RegExp(`^${stack.registry.host}/${image.domain}/adder@sha256:[0-9a-f]{64}$`),
      );

      expect(await addFloats(ip, 80, 3.5, -1.2)).toBe(Math.fround(2.3));
      const json = await fetch(`http://${ip}/foo.bar.AdderService/AddFloats`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ x: 3.5, y: -1.2 }),
      });
      expect(await json.json()).toEqual({ result: 2.3 });

      await waitFor(
        "kubectl logs to show both calls",
        30_000,
        () =>
          kubectl("logs", "adder")
            .split("\n")
            .filter((line) => line === "AddFloats(3.5, -1.2) = 2.3").length === 2,
      );

      // The summary API (what `kubectl top` reads through metrics-server).
      let memory = 0;
      await waitFor("the summary API to report the pod's memory", 60_000, () => {
        const summary = JSON.parse(
          kubectl("get", "--raw", `/api/v1/nodes/${nodeName}/proxy/stats/summary`),
        );
        const found = summary.pods?.find(
          (p: { podRef: { name: string } }) => p.podRef.name === "adder",
        );
        memory = found?.memory?.workingSetBytes ?? 0;
        return memory > 0;
      });
      expect(memory % 65536).toBe(0);

      const [sandbox] = await vimanadSandboxes();
      expect(sandbox?.metadata?.name).toBe("adder");
      kubectl("delete", "pod", "adder", "--wait=true", "--timeout=60s");
      // kubelet stops the sandbox at once (freeing its address) and removes it in its next
      // container garbage collection, which runs once a minute.
      await waitFor(
        "kubelet to remove the sandbox",
        150_000,
        async () => (await vimanadSandboxes()).length === 0,
      );
      // Nothing in containerd either (a Vimana pod never reaches it), and the address is free.
      const direct = createCriClient(stack.containerd.socket);
      try {
        expect((await direct.call(criMethods.ListPodSandbox, {})).items).toEqual([]);
      } finally {
        direct.close();
      }
      expect(stack.vimanad.log()).toContain(`Successful IPAM deallocation: ${ip}"`);
      await expect(addFloats(ip, 80, 1, 2)).rejects.toThrow();
    }, 240_000);

    if (setting !== "a stock kubelet") return;

    test("an ordinary pod runs beside a Vimana pod, its CRI calls reaching containerd unchanged", async () => {
      const { kubectl, apply, stack, images } = kube();
      apply(
        JSON.stringify({
          apiVersion: "v1",
          kind: "List",
          items: [
            { apiVersion: "v1", kind: "Pod", ...vimanaPod("beside", image) },
            {
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
                    image: images.busybox,
                    command: ["sh", "-c", "echo hello from busybox; exec sleep 3600"],
                  },
                ],
              },
            },
          ],
        }),
      );
      for (const name of ["beside", "plain"]) {
        await waitFor(
          `pod ${name} Ready`,
          POD_READY_MS,
          () => isReady(pod(name)),
          () => kubectl("describe", "pod", name),
        );
      }
      await waitFor("kubectl logs of the ordinary pod", 30_000, () =>
        kubectl("logs", "plain").includes("hello from busybox"),
      );
      const plain = pod("plain");
      const beside = pod("beside");
      expect(await addFloats(beside.status.podIP ?? "", 80, 3.5, -1.2)).toBe(Math.fround(2.3));

      // What containerd itself holds for the ordinary pod is what kubelet asked vimanad for, and
      // what vimanad reports of it is containerd's answer, field for field.
      const direct = createCriClient(stack.containerd.socket);
      const via = createCriClient(stack.vimanad.socket);
      try {
        const own = (await direct.call(criMethods.ListPodSandbox, {})).items;
        expect(own.map((item) => item.metadata?.name)).toEqual(["plain"]);
        const sandbox = own[0];
        expect(sandbox?.metadata?.uid).toBe(plain.metadata.uid);
        expect(sandbox?.metadata?.namespace).toBe("default");
        expect(sandbox?.labels["io.kubernetes.pod.name"]).toBe("plain");
        expect(sandbox?.runtime_handler).toBe("");
        const id = sandbox?.id ?? "";
        const [mine, theirs] = await Promise.all([
          via.call(criMethods.PodSandboxStatus, { pod_sandbox_id: id }),
          direct.call(criMethods.PodSandboxStatus, { pod_sandbox_id: id }),
        ]);
        expect({ ...mine, timestamp: 0n }).toEqual({ ...theirs, timestamp: 0n });
        expect(mine.status?.network?.ip).toBe(plain.status.podIP ?? "");
        const containers = (await direct.call(criMethods.ListContainers, {})).containers;
        expect(containers.map((c) => c.metadata?.name)).toEqual(["sh"]);
        const containerId = containers[0]?.id ?? "";
        const [status, ownStatus] = await Promise.all([
          via.call(criMethods.ContainerStatus, { container_id: containerId }),
          direct.call(criMethods.ContainerStatus, { container_id: containerId }),
        ]);
        expect(status).toEqual(ownStatus);
        expect(ownStatus.status?.image?.image).toBe(images.busybox);
        // kubelet names every container by the runtime it talks to: vimanad (Version "vimana").
        expect(plain.status.containerStatuses?.[0]?.containerID).toBe(`vimana://${containerId}`);
        // And the Vimana pod is vimanad's alone.
        expect(own.map((item) => item.metadata?.name)).not.toContain("beside");
        expect((await vimanadSandboxes()).map((item) => item.metadata?.name)).toEqual(["beside"]);
      } finally {
        direct.close();
        via.close();
      }
      kubectl("delete", "pod", "plain", "beside", "--wait=true", "--timeout=60s");
    }, 240_000);

    test("a Deployment scales 3 → 30 → 0; kubelet restarted in the middle re-adopts its pods", async () => {
      const { kubectl, apply, stack } = kube();
      const selector = `app=adder-deployment`;
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "adder" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "adder-deployment" } },
          template: {
            metadata: { labels: { app: "adder-deployment", ...image.labels } },
            spec: podSpec(image),
          },
        },
      };
      const allReady = (count: number) => () => {
        const found = pods(selector);
        return found.length === count && found.every(isReady);
      };
      apply(JSON.stringify(deployment));
      await waitFor("3 replicas Ready", POD_READY_MS, allReady(3), () =>
        kubectl("get", "pods", "-o", "wide"),
      );
      kubectl("scale", "deployment", "adder", "--replicas=30");
      await waitFor("30 replicas Ready", 240_000, allReady(30), () =>
        kubectl("get", "pods", "-o", "wide"),
      );
      const before = pods(selector);
      const ips = before.map((p) => p.status.podIP ?? "");
      expect(new Set(ips).size).toBe(30);

      await kube().restartKubelet();
      // Serving went on, and kubelet took the pods back as they were: no restart, same containers.
      const sums = await Promise.all(ips.map((ip) => addFloats(ip, 80, 1, 2)));
      expect(sums).toEqual(Array(30).fill(3));
      await waitFor("30 replicas Ready after kubelet's restart", POD_READY_MS, allReady(30));
      const after = pods(selector);
      const containers = (list: PodStatus[]) =>
        list.map((p) => `${p.metadata.uid} ${p.status.containerStatuses?.[0]?.containerID}`).sort();
      expect(containers(after)).toEqual(containers(before));
      expect(after.every((p) => p.status.containerStatuses?.[0]?.restartCount === 0)).toBe(true);
      expect(
        before.every((p) =>
          p.status.containerStatuses?.[0]?.containerID?.startsWith("vimana://c-"),
        ),
      ).toBe(true);

      kubectl("scale", "deployment", "adder", "--replicas=0");
      await waitFor("every replica gone", 240_000, () => pods(selector).length === 0);
      await waitFor(
        "vimanad to forget every pod",
        60_000,
        async () => (await vimanadSandboxes()).length === 0,
      );
      const log = stack.vimanad.log();
      for (const ip of ips) expect(log).toContain(`Successful IPAM deallocation: ${ip}"`);
      // Every pod started once and was removed once: kubelet's restart created none.
      const count = (text: string) => log.split("\n").filter((line) => line.includes(text)).length;
      expect(count('"Successful pod deletion"')).toBe(count('"Successful pod initialization"'));
      kubectl("delete", "deployment", "adder");
    }, 600_000);
  });
}
