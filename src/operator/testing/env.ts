// A test API server with every CRD the operator touches installed, and a client for it.
import { KubeClient } from "../client/index.ts";
import { type ApiServer, startTestApiServer } from "./apiserver.ts";
import { createNamespace, installCrds } from "./install.ts";

export interface OperatorEnv {
  api: ApiServer;
  client: KubeClient;
  stop(): Promise<void>;
}

export async function startOperatorEnv(): Promise<OperatorEnv> {
  const api = await startTestApiServer();
  try {
    const client = KubeClient.load({ kubeconfig: api.kubeconfig });
    await installCrds(client);
    // The shared EnvoyProxy lives there (the original's suite created it too).
    await createNamespace(client, "envoy-gateway-system");
    return { api, client, stop: () => api.stop() };
  } catch (error) {
    await api.stop();
    throw error;
  }
}
