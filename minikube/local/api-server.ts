// etcd + kube-apiserver alone: what envtest gives Go operators.
import { mkdir } from "node:fs/promises";
import { ensureBinaries } from "../../scripts/kubernetes/index.ts";
import { type ControlPlane, type FeatureGates, startControlPlane } from "./control-plane.ts";
import { stopAll } from "./teardown.ts";

export interface ApiServerOptions {
  /** Everything lives here; removed by stop(). */
  readonly stateDir: string;
  readonly featureGates?: FeatureGates;
  /** Progress lines (building binaries, waiting). */
  readonly log?: (line: string) => void;
}

export interface LocalApiServer extends ControlPlane {
  /** Stops both processes and removes the state directory. Idempotent. */
  stop(): Promise<void>;
}

export async function startLocalApiServer(options: ApiServerOptions): Promise<LocalApiServer> {
  const log = options.log ?? (() => {});
  const binaries = await ensureBinaries({ only: ["etcd", "kube-apiserver"], log });
  await mkdir(options.stateDir, { recursive: true });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopAll(options.stateDir, { remove: true });
    return stopping;
  };
  try {
    const plane = await startControlPlane(options.stateDir, {
      etcd: binaries.etcd,
      kubeApiServer: binaries["kube-apiserver"],
      featureGates: options.featureGates ?? {},
      nodeName: "none",
      nodeIp: "127.0.0.1",
    });
    return { ...plane, stop };
  } catch (error) {
    await stopAll(options.stateDir, { remove: false });
    throw new Error(`${(error as Error).message}\nstate kept in ${options.stateDir}`, {
      cause: error,
    });
  }
}
