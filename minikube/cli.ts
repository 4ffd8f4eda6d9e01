// The command lines of `bun run restart` and `bun run hotswap`: their own options, and for
// restart every other argument passed on to `minikube start` (bun run drops the first `--`).
import { homedir } from "node:os";
import { join } from "node:path";
import { hotswapLocal, restartLocal } from "./local-driver.ts";
import { hotswapMinikube, restartMinikube } from "./minikube-driver.ts";
import { StepFailed, Steps } from "./steps.ts";

export type Command = "restart" | "hotswap";

export interface Options {
  readonly driver: "minikube" | "local";
  readonly dryRun: boolean;
  readonly build: boolean;
  readonly stateDir: string;
  readonly stateDirGiven: boolean;
  readonly registryPort: number;
  /** local: start Envoy Gateway with the cluster. */
  readonly gateway: boolean;
  readonly minikubeArgs: readonly string[];
  readonly help: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

function defaultStateDir(): string {
  return join(
    process.env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"),
    "vimana",
    "cluster",
  );
}

export function parseOptions(command: Command, argv: readonly string[]): Options {
  let driver: Options["driver"] = "minikube";
  let dryRun = false;
  let build = true;
  let gateway = true;
  let stateDir: string | undefined;
  let registryPort = 5000;
  let help = false;
  const minikubeArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => {
      const found = inline ?? argv[++i];
      if (found === undefined) throw new UsageError(`${flag} needs a value`);
      return found;
    };
    if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--dry-run") dryRun = true;
    else if (flag === "--no-build") build = false;
    else if (flag === "--no-gateway" && command === "restart") gateway = false;
    else if (flag === "--driver") {
      const name = value();
      if (name !== "minikube" && name !== "local")
        throw new UsageError(`--driver: expected minikube or local, got "${name}"`);
      driver = name;
    } else if (flag === "--state-dir") stateDir = value();
    else if (flag === "--registry-port") {
      const text = value();
      registryPort = Number(text);
      if (!Number.isInteger(registryPort) || registryPort < 1 || registryPort > 65535) {
        throw new UsageError(`--registry-port: expected a port number, got "${text}"`);
      }
    } else if (arg === "--") {
      minikubeArgs.push(...argv.slice(i + 1));
      break;
    } else if (command === "restart") minikubeArgs.push(arg);
    else throw new UsageError(`unknown argument "${arg}"`);
  }
  if (driver === "local" && minikubeArgs.length > 0) {
    throw new UsageError(
      `--driver local takes no minikube arguments (got ${minikubeArgs.join(" ")})`,
    );
  }
  if (driver === "minikube" && stateDir !== undefined) {
    throw new UsageError("--state-dir is for --driver local");
  }
  if (driver === "minikube" && !gateway) throw new UsageError("--no-gateway is for --driver local");
  return {
    driver,
    dryRun,
    build,
    stateDir: stateDir ?? defaultStateDir(),
    stateDirGiven: stateDir !== undefined,
    registryPort,
    gateway,
    minikubeArgs,
    help,
  };
}

/** Runs the command; returns the exit code. */
export async function main(
  command: Command,
  argv: readonly string[],
  usage: string,
): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(command, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const steps = new Steps({ prefix: command, dryRun: options.dryRun });
  if (options.dryRun) steps.say("--dry-run: printing the commands, running none");
  const local = {
    stateDir: options.stateDir,
    build: options.build,
    gateway: options.gateway,
    stateDirFlag: options.stateDirGiven ? ` --state-dir ${options.stateDir}` : "",
  };
  const minikube = { registryPort: options.registryPort, build: options.build };
  try {
    if (options.driver === "local" && process.getuid?.() !== 0 && !options.dryRun) {
      throw new StepFailed(
        "check for root",
        "the local cluster needs root (containerd, kubelet)",
        [],
      );
    }
    if (command === "restart") {
      if (options.driver === "local") await restartLocal(steps, local);
      else await restartMinikube(steps, minikube, options.minikubeArgs);
    } else if (options.driver === "local") await hotswapLocal(steps, local);
    else await hotswapMinikube(steps, minikube);
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    console.error(`${command}: ${error.message}`);
    return 1;
  }
  if (!options.dryRun) steps.printTimings();
  return 0;
}
