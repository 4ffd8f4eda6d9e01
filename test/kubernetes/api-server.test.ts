import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { binaryPaths } from "../../scripts/kubernetes/index.ts";
import { startApiServer } from "./index.ts";

function kubectl(kubeconfig: string, ...args: string[]): { code: number; out: string } {
  const run = Bun.spawnSync([binaryPaths().kubectl, `--kubeconfig=${kubeconfig}`, ...args]);
  return { code: run.exitCode, out: `${run.stdout}${run.stderr}` };
}

describe("startApiServer", () => {
  test("serves the API to kubectl with the admin kubeconfig, shared across calls", async () => {
    const first = await startApiServer();
    const second = await startApiServer();
    expect(second.server).toBe(first.server);
    const created = kubectl(first.kubeconfig, "create", "namespace", `t-${Date.now()}`);
    expect(created.out).toContain("created");
    const version = kubectl(first.kubeconfig, "version", "-o", "json");
    expect(JSON.parse(version.out).serverVersion.gitVersion).toBe("v1.34.4");
  });

  test("a private instance stops with its processes and state", async () => {
    const server = await startApiServer({ private: true });
    expect(kubectl(server.kubeconfig, "get", "namespace", "default").code).toBe(0);
    await server.stop();
    expect(existsSync(server.stateDir)).toBe(false);
    const after = await fetch(`${server.server}/readyz`, {
      tls: { rejectUnauthorized: false },
    }).catch((error: Error) => error);
    expect(after).toBeInstanceOf(Error);
  });
});
