// Installing CRDs and namespaces into a test API server, and waiting for what the operator does.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { crdYaml, type KubeObject, kinds } from "../api/index.ts";
import { isAlreadyExists, type KubeClient, resourceTypes } from "../client/index.ts";
import { gatewayCrdFiles } from "./gateway-crds.ts";

function documents(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object?.kind === "CustomResourceDefinition");
}

async function createIfMissing(client: KubeClient, object: KubeObject): Promise<void> {
  try {
    await client.create(resourceTypes.customResourceDefinition, object);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

/** Polls `check` until it returns a value (not undefined); fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`,
  );
}

/** Gateway API + EnvoyProxy + the operator's CRDs, each Established. */
export async function installCrds(client: KubeClient): Promise<void> {
  const crds: KubeObject[] = [];
  for (const file of await gatewayCrdFiles()) crds.push(...documents(await readFile(file, "utf8")));
  for (const kind of kinds) crds.push(...documents(crdYaml(kind)));
  await Promise.all(crds.map((crd) => createIfMissing(client, crd)));
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await client.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(resourceTypes.customResourceDefinition, undefined, crd.metadata.name);
      return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? true
        : undefined;
    });
  }
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create(resourceTypes.namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
