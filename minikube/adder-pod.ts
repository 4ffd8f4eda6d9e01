// The adder example as a Component on a cluster `restart --driver local` made: pushed to the
// cluster's registry, reconciled by the operator into a Vimana pod; resolves once it is Ready.
import { type PushedImage, pushExample } from "../runtime/tests/vimanad.ts";
import type { ClusterState } from "./local/index.ts";

const readyTimeoutMs = 180_000;

export async function kubectlOn(
  state: ClusterState,
  args: string[],
  input?: string,
): Promise<string> {
  const child = Bun.spawn([state.kubectl, `--kubeconfig=${state.kubeconfig}`, ...args], {
    stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${stderr}`);
  return stdout;
}

interface PodList {
  items: { status: { podIP?: string; conditions?: { type: string; status: string }[] } }[];
}

/** A Component `name` in namespace default; the Ready pod's IP. */
export async function startAdderComponent(
  state: ClusterState,
  name: string,
): Promise<{ image: PushedImage; podIp: string }> {
  const image = await pushExample(state.registry, "adder", "1.0.0");
  const component = {
    apiVersion: "api.vimana.host/v1alpha1",
    kind: "Component",
    metadata: { name, namespace: "default" },
    spec: {
      domain: image.domain,
      server: image.server,
      version: image.version,
      image: image.imageSpec.image,
    },
  };
  await kubectlOn(state, ["apply", "-f", "-"], JSON.stringify(component));
  const selector = Object.entries(image.labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const pods = JSON.parse(
      await kubectlOn(state, ["get", "pods", "--namespace=default", "-l", selector, "-o", "json"]),
    ) as PodList;
    const ready = pods.items.find((pod) =>
      pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (ready?.status.podIP !== undefined) return { image, podIp: ready.status.podIP };
    if (Date.now() > deadline) {
      const described = await kubectlOn(state, [
        "describe",
        "pods",
        "--namespace=default",
        "-l",
        selector,
      ]);
      throw new Error(
        `Component ${name}: no Ready pod for ${selector} after ${readyTimeoutMs / 1000} s\n${described}`,
      );
    }
    await Bun.sleep(500);
  }
}
