// A network namespace for a test, with a veth pair in it, so host-local can put addresses on a
// real interface without touching the host's network.
import type { CommandPrefix } from "../node-interface.ts";

export interface TestNetns {
  readonly name: string;
  /** Runs a command inside the namespace. */
  readonly commandPrefix: CommandPrefix;
  /** `ip` inside the namespace. */
  readonly ip: readonly string[];
  /** The interface pods get addresses on. */
  readonly interface: string;
  /** Its global addresses, `address/prefix`, sorted. */
  addresses(): string[];
  /** Removes every address from the interface. */
  flush(): void;
  remove(): void;
}

export function createNetns(): TestNetns {
  const name = `vimana-test-${crypto.randomUUID().slice(0, 8)}`;
  const ip = ["ip", "-n", name];
  const iface = "vimana0";
  const run = (command: string[]) => {
    const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
    if (!result.success) throw new Error(`${command.join(" ")}: ${result.stderr.toString()}`);
    return result.stdout.toString();
  };
  // Deleted even if the test run is interrupted.
  const remove = () => {
    process.off("exit", remove);
    Bun.spawnSync(["ip", "netns", "del", name]);
  };
  run(["ip", "netns", "add", name]);
  process.on("exit", remove);
  try {
    run([...ip, "link", "add", iface, "type", "veth", "peer", "name", "vimana1"]);
  } catch (error) {
    remove();
    throw error;
  }
  return {
    name,
    commandPrefix: ["ip", "netns", "exec", name],
    ip,
    interface: iface,
    addresses: () => {
      const [link] = JSON.parse(run([...ip, "-j", "addr", "show", "dev", iface])) as [
        { addr_info: { local: string; prefixlen: number; scope: string }[] },
      ];
      return link.addr_info
        .filter((info) => info.scope === "global")
        .map((info) => `${info.local}/${info.prefixlen}`)
        .sort();
    },
    flush: () => run([...ip, "addr", "flush", "dev", iface]),
    remove,
  };
}
