// Running the CNI host-local IPAM plugin exactly as the original does (ref §5.4).
import { formatPodName, hexifyBytes, type PodName } from "../../src/names/index.ts";

export const CNI_VERSION = "1.0.0";

export interface HostLocalConfig {
  readonly pluginPath: string;
  readonly networkName: string;
  readonly dataDir: string;
  readonly subnet: string;
  readonly timeoutMs: number;
}

/** The network configuration on the plugin's stdin, keys in the original's order. */
export function networkConfig(config: HostLocalConfig): string {
  return JSON.stringify({
    cniVersion: CNI_VERSION,
    name: config.networkName,
    ipam: {
      type: "host-local",
      dataDir: config.dataDir,
      ranges: [[{ subnet: config.subnet }]],
    },
  });
}

/**
 * host-local cannot take `:` or `@` in a container ID, so the pod name is hashed: the SHA-256
 * of the formatted pod name, in nibble-little-endian hex (64 characters).
 */
export function ipamContainerId(pod: PodName): string {
  const hash = new Bun.CryptoHasher("sha256").update(formatPodName(pod)).digest();
  return hexifyBytes(hash);
}

/** Runs ADD or DEL for a pod; resolves to the plugin's stdout. */
export async function runHostLocal(
  config: HostLocalConfig,
  command: "ADD" | "DEL",
  pod: PodName,
  /** `IP=<address>`: ADD reserves exactly that address (re-reserving a recovered pod's). */
  requestedAddress?: string,
): Promise<string> {
  const plugin = Bun.spawn([config.pluginPath], {
    // A clean environment: the CNI parameters and nothing else. NETNS, IFNAME and PATH must be
    // non-empty but mean nothing to an IPAM plugin.
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: ipamContainerId(pod),
      CNI_NETNS: "/dev/null",
      CNI_IFNAME: "unused",
      CNI_PATH: "/..",
      ...(requestedAddress !== undefined && { CNI_ARGS: `IP=${requestedAddress}` }),
    },
    stdin: new TextEncoder().encode(networkConfig(config)),
    stdout: "pipe",
    stderr: "pipe",
    timeout: config.timeoutMs,
  });
  const [stdout, stderr] = await Promise.all([
    new Response(plugin.stdout).text(),
    new Response(plugin.stderr).text(),
    plugin.exited,
  ]);
  if (plugin.signalCode !== null) {
    throw new Error(
      `IPAM error: ${config.pluginPath} was killed by ${plugin.signalCode} (time limit ${config.timeoutMs} ms)`,
    );
  }
  if (plugin.exitCode !== 0) {
    // host-local reports its errors on stdout.
    throw new Error(`IPAM error: ${(stdout || stderr).trim()}`);
  }
  return stdout;
}
