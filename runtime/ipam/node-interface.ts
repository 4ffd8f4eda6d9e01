// Adding and removing a pod's address on the node's interface with iproute2's `ip`, with the
// original's messages (it spoke netlink directly).

/**
 * Prepended to every command (`ip …`, `sysctl …`): empty on a node, or e.g.
 * `["ip", "netns", "exec", "<netns>"]` to work inside a network namespace.
 */
export type CommandPrefix = readonly string[];

export interface InterfaceAddress {
  readonly interface: string;
  readonly address: string;
  readonly prefixLength: number;
}

export async function addAddress(prefix: CommandPrefix, target: InterfaceAddress): Promise<void> {
  const failure = await run([
    ...prefix,
    "ip",
    "addr",
    "add",
    cidr(target),
    "dev",
    target.interface,
  ]);
  if (failure !== undefined) {
    throw new Error(
      `Failed adding IP address ${cidr(target)} to interface ${quote(target.interface)}: ${explain(failure, target)}`,
    );
  }
}

/** Like `addAddress`, but an address already on the interface is fine (a recovered pod's). */
export async function ensureAddress(
  prefix: CommandPrefix,
  target: InterfaceAddress,
): Promise<void> {
  try {
    await addAddress(prefix, target);
  } catch (error) {
    // Older iproute2 relays the kernel's EEXIST ("File exists"); newer (Debian 12's) says this.
    if (!(error instanceof Error && /File exists|Address already assigned/.test(error.message))) {
      throw error;
    }
  }
}

export async function deleteAddress(
  prefix: CommandPrefix,
  target: InterfaceAddress,
): Promise<void> {
  const failure = await run([
    ...prefix,
    "ip",
    "addr",
    "del",
    cidr(target),
    "dev",
    target.interface,
  ]);
  if (failure !== undefined) {
    throw new Error(
      `Failed deleting IP address ${cidr(target)} from interface ${quote(target.interface)}: ${explain(failure, target)}`,
    );
  }
}

/**
 * Pod addresses share the pod CIDR's prefix, so the first IPv4 one on the interface is its
 * primary and the rest are secondaries; by default Linux deletes the secondaries with the
 * primary, so releasing the first pod would take every other pod's address with it. With
 * promote_secondaries a secondary takes over instead. (systemd turns it on by default, which is
 * likely why the original never saw this.)
 */
export async function promoteSecondaries(prefix: CommandPrefix, target: InterfaceAddress) {
  // The `/` form, because interface names may contain dots.
  const setting = `net/ipv4/conf/${target.interface}/promote_secondaries=1`;
  const failure = await run([...prefix, "sysctl", "-q", "-w", setting]);
  if (failure !== undefined) {
    const reason = failure.includes("No such file or directory")
      ? `Network device ${quote(target.interface)} not found`
      : failure;
    throw new Error(
      `Failed adding IP address ${cidr(target)} to interface ${quote(target.interface)}: ${reason}`,
    );
  }
}

/** Runs a command; undefined on success, else what it printed on stderr. */
async function run(command: string[]): Promise<string | undefined> {
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return exitCode === 0 ? undefined : stderr.trim() || `${command.join(" ")} exited ${exitCode}`;
}

/** iproute2's complaint, in the original's words where it had some. */
function explain(stderr: string, target: InterfaceAddress): string {
  if (stderr.includes("Cannot find device")) {
    return `Network device ${quote(target.interface)} not found`;
  }
  if (/address not found|Cannot assign requested address/i.test(stderr)) {
    return `IP address ${cidr(target)} not found on network device ${quote(target.interface)}`;
  }
  return stderr;
}

function cidr(target: InterfaceAddress): string {
  return `${target.address}/${target.prefixLength}`;
}

// Rust's `{:?}` of an interface name (plain ASCII in practice).
function quote(name: string): string {
  return JSON.stringify(name);
}
