// The MVP deployment of mvp.yaml in a namespace of its own: its TLS Secrets, its resources, and
// waiting until the gateway serves it.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalDomain, gatewayName } from "../src/names/index.ts";
import { selfSignedTls } from "../src/tls/index.ts";
import type { GatewayClient } from "./client.ts";

export const MVP_DOMAIN = "00000000000000000000000000000001";
export const MVP_SERVER = "the-adder-server";
export const MVP_VIMANA = "the-vimana";
export const MVP_ALIAS = "api.vimana.host";
/** The hostnames the gateway serves the domain on: canonical first, then the alias. */
export const MVP_HOSTNAMES = [canonicalDomain(MVP_DOMAIN), MVP_ALIAS] as const;

/** kubectl against the cluster under test. */
export type Kubectl = (args: readonly string[], input?: string) => Promise<string>;

/** mvp.yaml with the registry the cluster's nodes pull the adder image from. */
export function mvpYaml(registry: string): string {
  return readFileSync(join(import.meta.dir, "mvp.yaml"), "utf8").replaceAll("<registry>", registry);
}

/** A fresh namespace with the TLS Secrets and mvp.yaml; resolves the root CA's PEM. */
export async function deployMvp(
  kubectl: Kubectl,
  options: { readonly namespace: string; readonly registry: string },
): Promise<string> {
  await kubectl(["create", "namespace", options.namespace]);
  const dir = await mkdtemp(join(tmpdir(), "vimana-e2e-tls-"));
  const tls = await selfSignedTls({
    hostnames: MVP_HOSTNAMES,
    namespace: options.namespace,
    dir,
  }).finally(() => rm(dir, { recursive: true, force: true }));
  await kubectl(["apply", "-f", "-"], tls.secrets.map((s) => JSON.stringify(s)).join("\n---\n"));
  await kubectl(
    ["apply", `--namespace=${options.namespace}`, "-f", "-"],
    mvpYaml(options.registry),
  );
  return tls.caCert;
}

/** Polls `probe` until it resolves true; fails naming `what` and the last reason. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  probe: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const answer = await probe();
      if (answer === true) return;
      last = answer;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
    await Bun.sleep(250);
  }
}

interface Conditions {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

function condition(object: Conditions, type: string): string {
  const found = object.status?.conditions?.find((c) => c.type === type);
  return found === undefined
    ? "absent"
    : `${found.status}${found.message ? ` (${found.message})` : ""}`;
}

/** Every pod of `server` Ready (at least `pods` of them), and the Gateway's listeners Programmed. */
export async function waitForServing(
  kubectl: Kubectl,
  namespace: string,
  options: { readonly server?: string; readonly pods?: number; readonly timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const selector = `vimana.host/domain=${MVP_DOMAIN},vimana.host/server=${options.server ?? MVP_SERVER}`;
  await waitUntil(`pods ${selector} Ready in ${namespace}`, timeoutMs, async () => {
    const list = JSON.parse(
      await kubectl([
        "get",
        "pods",
        `--namespace=${namespace}`,
        `--selector=${selector}`,
        "-o",
        "json",
      ]),
    ) as { items: (Conditions & { metadata: { name: string } })[] };
    if (list.items.length < (options.pods ?? 1)) return `${list.items.length} pods so far`;
    const unready = list.items.filter((pod) => !condition(pod, "Ready").startsWith("True"));
    return unready.length === 0 || `not Ready: ${unready.map((p) => p.metadata.name).join(", ")}`;
  });
  // Every listener Programmed, not the Gateway: in host mode no Service gives it an address,
  // so the Gateway's own Programmed stays False (AddressNotAssigned) while Envoy serves.
  const gateway = gatewayName(MVP_VIMANA);
  await waitUntil(
    `Gateway ${gateway}'s listeners Programmed in ${namespace}`,
    timeoutMs,
    async () => {
      const out = await kubectl([
        "get",
        "gateway",
        gateway,
        `--namespace=${namespace}`,
        "-o",
        "json",
      ]);
      const status = (
        JSON.parse(out) as { status?: { listeners?: (Conditions["status"] & { name: string })[] } }
      ).status;
      const listeners = status?.listeners ?? [];
      if (listeners.length === 0) return "no listener status yet";
      const pending = listeners.filter(
        (l) => !condition({ status: l }, "Programmed").startsWith("True"),
      );
      return (
        pending.length === 0 || `listeners not Programmed: ${pending.map((l) => l.name).join(", ")}`
      );
    },
  );
}

/** The Gateway's first address in its status, if the implementation reports one. */
export async function gatewayStatusAddress(
  kubectl: Kubectl,
  namespace: string,
): Promise<string | undefined> {
  const out = await kubectl([
    "get",
    "gateway",
    gatewayName(MVP_VIMANA),
    `--namespace=${namespace}`,
    "-o",
    "jsonpath={.status.addresses[0].value}",
  ]);
  return out.trim() || undefined;
}

/**
 * The first answer through the gateway: routes reach Envoy a moment after the Gateway is
 * Programmed, and a new Envoy takes a moment to listen.
 */
export async function firstAnswer(
  client: GatewayClient,
  x: number,
  y: number,
  timeoutMs = 60_000,
): Promise<number> {
  let answer = Number.NaN;
  await waitUntil("a first answer through the gateway", timeoutMs, async () => {
    answer = await client.addFloats(x, y, 2000);
    return true;
  });
  return answer;
}
