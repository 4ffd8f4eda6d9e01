// vimanad's settings: command line, then JSON config file, then defaults (ref §1.1). The
// original's flags and keys, plus the ones this implementation adds.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { BUILD_ID } from "../../src/build-info/index.ts";
import { DEFAULT_LIMITS, type Rate } from "../dataplane/index.ts";

export interface Config {
  incoming: string;
  downstream: string;
  imageStore: string;
  insecureRegistries: string[];
  ipam: "loopback" | "host-local";
  ipamPlugin: string;
  /** host-local's `dataDir`: where it records reservations. */
  ipamDataDir: string;
  /** host-local's network `name`: reservations are kept per network. */
  ipamNetworkName: string;
  networkInterface: string;
  podIps: string;
  dataplanePort: number;
  /** Pod records (`pods/`), the takeover socket, and the transpiled-component cache. */
  stateDir: string;
  /** Take over from the vimanad running with this state dir, without dropping a pod or call. */
  takeover: boolean;
  logFormat: "json" | "text";
  /** Data-plane limits (docs/dataplane.md, "Limits"). */
  maxConcurrentStreams: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnectionsPerPod: number;
  maxContinuationFrames: number;
  resetBudget: Rate;
  refusalBudget: Rate;
  emptyFrameBudget: Rate;
  floodStrikes: number;
  floodHoldMs: number;
  /** Pod connections of the whole process; by default its open-files limit less a reserve. */
  maxConnections: number | undefined;
  /** Worker threads serving pods (docs/vimanad.md, "Workers"); 0 serves them on the CRI thread. */
  workers: number;
}

export const defaults: Config = {
  incoming: "/run/vimana/vimanad.sock",
  downstream: "/run/containerd/containerd.sock",
  imageStore: "/var/lib/vimana/images",
  insecureRegistries: [],
  ipam: "loopback",
  ipamPlugin: "/opt/cni/bin/host-local",
  ipamDataDir: "/run/cni-ipam-state",
  ipamNetworkName: "kindnet",
  networkInterface: "eth0",
  podIps: "10.1.0.0/16",
  dataplanePort: 80,
  stateDir: "/var/lib/vimana/state",
  takeover: false,
  logFormat: "text",
  ...DEFAULT_LIMITS,
  maxConnections: undefined,
  // One more than the CPUs: a worker in a long call runs at the lowest priority
  // (runtime/workers/long-calls.ts), and the others still cover every core meanwhile.
  workers: availableParallelism() + 1,
};

/** The numeric limits: flag, config key and what the value must be. */
const limitKeys = [
  "maxConcurrentStreams",
  "maxHeaderBytes",
  "headersTimeoutMs",
  "idleTimeoutMs",
  "maxConnectionsPerPod",
  "maxConnections",
  "maxContinuationFrames",
  "floodStrikes",
  "floodHoldMs",
] as const;

/** The flood budgets: `BURST/PER_SECOND` on the command line, that or an object in the file. */
const rateKeys = ["resetBudget", "refusalBudget", "emptyFrameBudget"] as const;

const rateText = (rate: Rate) => `${rate.burst}/${rate.perSecond}`;

/** Semver with the build id as build metadata: `vimanad --version` and CRI Version report it. */
export const VERSION = `0.0.0+${BUILD_ID}`;

/** Where Debian's containernetworking-plugins puts host-local. */
const DEBIAN_IPAM_PLUGIN = "/usr/lib/cni/host-local";

/** The CNI convention's path, or Debian's where only that one exists. */
function defaultIpamPlugin(): string {
  return !existsSync(defaults.ipamPlugin) && existsSync(DEBIAN_IPAM_PLUGIN)
    ? DEBIAN_IPAM_PLUGIN
    : defaults.ipamPlugin;
}

export const usage = `Usage: vimanad [options]

The Vimana node daemon: a CRI shim that runs Vimana pods as WebAssembly components and proxies
everything else to the downstream runtime.

Options (each may also be a camelCase key in the --config JSON file; the command line wins):
  --config PATH                 JSON config file
  --incoming PATH               CRI socket kubelet talks to (${defaults.incoming})
  --downstream PATH             socket of the runtime to proxy to (${defaults.downstream})
  --image-store PATH            image store root (${defaults.imageStore})
  --insecure-registries HOST    registry pulled over http (repeatable)
  --ipam loopback|host-local    how pods get addresses (${defaults.ipam})
  --ipam-plugin PATH            CNI host-local plugin (${defaults.ipamPlugin}, or
                                ${DEBIAN_IPAM_PLUGIN} where only that exists)
  --ipam-data-dir PATH          host-local's data dir (${defaults.ipamDataDir})
  --ipam-network-name NAME      host-local's network name (${defaults.ipamNetworkName})
  --network-interface NAME      interface pod addresses go on (${defaults.networkInterface})
  --pod-ips CIDR                subnet for pod addresses (${defaults.podIps})
  --dataplane-port PORT         port each pod serves on (${defaults.dataplanePort})
  --state-dir PATH              pod records, takeover socket, component cache (${defaults.stateDir})
  --takeover                    replace the vimanad running with this state dir, serving
                                every pod throughout (same flags as the running one)
  --log-format json|text        log line format (${defaults.logFormat})
  --workers N                   threads that serve pods, each with its own instances
                                (the number of CPUs + 1); 0 serves them on the CRI thread

Data-plane limits, per pod server (docs/dataplane.md, "Limits"):
  --max-concurrent-streams N    HTTP/2 streams per connection (${defaults.maxConcurrentStreams})
  --max-header-bytes N          request head size; larger ones get 431 (${defaults.maxHeaderBytes})
  --headers-timeout-ms MS       first bytes and each HTTP/1.1 request head (${defaults.headersTimeoutMs})
  --idle-timeout-ms MS          a connection with nothing in flight closes (${defaults.idleTimeoutMs})
  --max-connections-per-pod N   open connections per pod (${defaults.maxConnectionsPerPod})
  --max-connections N           open pod connections in all (open-files limit less 2048)

HTTP/2 flood limits, per connection; past one, GOAWAY ENHANCE_YOUR_CALM (B/R: B at once,
then R a second):
  --max-continuation-frames N   CONTINUATION frames in one header block (${defaults.maxContinuationFrames})
  --reset-budget B/R            streams the client resets, or we reset for its errors (${rateText(defaults.resetBudget)})
  --refusal-budget B/R          streams refused past --max-concurrent-streams (${rateText(defaults.refusalBudget)})
  --empty-frame-budget B/R      empty DATA frames without END_STREAM (${rateText(defaults.emptyFrameBudget)})
  --flood-strikes N             such connections per client address, then one a second; past
                                them its next connections to the pod are held unread (${defaults.floodStrikes})
  --flood-hold-ms MS            how long a flooding or held connection is kept unread before
                                it is closed (${defaults.floodHoldMs})

  --help                        print this and exit
  --version                     print the version and exit
`;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type Parsed = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

const stringKeys = [
  "incoming",
  "downstream",
  "imageStore",
  "ipamPlugin",
  "ipamDataDir",
  "ipamNetworkName",
  "networkInterface",
  "podIps",
  "stateDir",
] as const;

/** Reads the command line (without the executable) and the config file it names. */
export function parseConfig(argv: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) return { kind: "help" };
  if (flags.version) return { kind: "version" };
  const file = flags.config === undefined ? {} : readConfigFile(flags.config);
  const config: Config = { ...defaults, insecureRegistries: [], ipamPlugin: defaultIpamPlugin() };
  const flag = (key: string) => (flags as Record<string, unknown>)[kebab(key)];
  for (const key of stringKeys) {
    const value = flag(key) ?? file[key];
    if (value !== undefined) config[key] = expectString(value, key);
  }
  // A union, as the original: both sources add registries.
  config.insecureRegistries = [
    ...new Set([...stringList(file.insecureRegistries), ...(flags["insecure-registries"] ?? [])]),
  ];
  config.ipam = oneOf(flag("ipam") ?? file.ipam ?? defaults.ipam, "ipam", [
    "loopback",
    "host-local",
  ]);
  config.logFormat = oneOf(flag("logFormat") ?? file.logFormat ?? defaults.logFormat, "logFormat", [
    "json",
    "text",
  ]);
  config.takeover = expectBoolean(
    flag("takeover") ?? file.takeover ?? defaults.takeover,
    "takeover",
  );
  config.dataplanePort = port(
    flag("dataplanePort") ?? file.dataplanePort ?? defaults.dataplanePort,
  );
  for (const key of limitKeys) {
    const value = flag(key) ?? file[key];
    if (value !== undefined) config[key] = positiveInteger(value, key);
  }
  for (const key of rateKeys) {
    const value = flag(key) ?? file[key];
    if (value !== undefined) config[key] = rate(value, key);
  }
  const workers = flag("workers") ?? file.workers;
  if (workers !== undefined) config.workers = wholeNumber(workers, "workers");
  return { kind: "run", config };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: "string" },
      incoming: { type: "string" },
      downstream: { type: "string" },
      "image-store": { type: "string" },
      "insecure-registries": { type: "string", multiple: true },
      ipam: { type: "string" },
      "ipam-plugin": { type: "string" },
      "ipam-data-dir": { type: "string" },
      "ipam-network-name": { type: "string" },
      "network-interface": { type: "string" },
      "pod-ips": { type: "string" },
      "dataplane-port": { type: "string" },
      "state-dir": { type: "string" },
      "log-format": { type: "string" },
      workers: { type: "string" },
      ...Object.fromEntries(
        [...limitKeys, ...rateKeys].map((key) => [kebab(key), { type: "string" as const }]),
      ),
      takeover: { type: "boolean" },
      help: { type: "boolean" },
      version: { type: "boolean" },
    },
  });
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Error opening config file '${path}': ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Error parsing config file '${path}': ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`Error parsing config file '${path}': not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function expectString(value: unknown, key: string): string {
  if (typeof value !== "string") throw new ConfigError(`${key}: expected a string`);
  return value;
}

function expectBoolean(value: unknown, key: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(`${key}: expected true or false`);
  return value;
}

function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new ConfigError("insecureRegistries: expected an array of strings");
  }
  return value;
}

function oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new ConfigError(`${key}: expected one of ${allowed.join(", ")}, got ${String(value)}`);
  }
  return value as T;
}

function positiveInteger(value: unknown, key: string): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1) {
    throw new ConfigError(`${key}: expected a whole number of at least 1, got ${String(value)}`);
  }
  return number;
}

/** `B/R` (a string) or `{ burst: B, perSecond: R }`, both whole numbers of at least 1. */
function rate(value: unknown, key: string): Rate {
  const expected = `${key}: expected BURST/PER_SECOND (e.g. 200/100) or { "burst": B, "perSecond": R }, got ${JSON.stringify(value)}`;
  if (typeof value === "string") {
    const match = /^(\d+)\/(\d+)$/.exec(value);
    if (match === null) throw new ConfigError(expected);
    return { burst: positiveInteger(match[1], key), perSecond: positiveInteger(match[2], key) };
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { burst, perSecond, ...rest } = value as Record<string, unknown>;
    if (burst === undefined || perSecond === undefined || Object.keys(rest).length > 0) {
      throw new ConfigError(expected);
    }
    return {
      burst: positiveInteger(burst, `${key}.burst`),
      perSecond: positiveInteger(perSecond, `${key}.perSecond`),
    };
  }
  throw new ConfigError(expected);
}

function wholeNumber(value: unknown, key: string): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) {
    throw new ConfigError(`${key}: expected a whole number, got ${String(value)}`);
  }
  return number;
}

function port(value: unknown): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw new ConfigError(`dataplanePort: expected a port number, got ${String(value)}`);
  }
  return number;
}
