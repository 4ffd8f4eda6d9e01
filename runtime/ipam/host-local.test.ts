// host-local IPAM with the real CNI plugin, putting addresses on a veth inside a network
// namespace the test creates (root needed, as for vimanad itself).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatPodName, hexifyBytes } from "../../src/names/index.ts";
import { ipamContainerId } from "./cni.ts";
import { HostLocalIpam, type HostLocalOptions } from "./host-local.ts";
import { createNetns, type TestNetns } from "./testdata/netns.ts";
import { testPod } from "./testdata/pods.ts";

const plugin = "/usr/lib/cni/host-local";
const network = "vimana-test";

let netns: TestNetns;
let scratch: string;
let dataDir: string;

beforeAll(() => {
  netns = createNetns();
});
afterAll(() => netns?.remove());
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-ipam-"));
  dataDir = join(scratch, "cni-ipam-state");
});
afterEach(async () => {
  netns.flush();
  await rm(scratch, { recursive: true, force: true });
});

function hostLocal(options: Partial<HostLocalOptions> = {}): HostLocalIpam {
  return new HostLocalIpam({
    subnet: "10.77.0.0/24",
    interface: netns.interface,
    pluginPath: plugin,
    networkName: network,
    dataDir,
    commandPrefix: netns.commandPrefix,
    ...options,
  });
}

/** The plugin's reservations: one file per reserved address, holding the container ID. */
async function reservations(): Promise<Map<string, string>> {
  const dir = join(dataDir, network);
  const names = await readdir(dir).catch(() => []);
  const reserved = new Map<string, string>();
  for (const name of names) {
    if (name === "lock" || name.startsWith("last_reserved_ip")) continue;
    const [containerId = ""] = (await Bun.file(join(dir, name)).text()).split(/\r?\n/);
    reserved.set(name, containerId);
  }
  return reserved;
}

describe("host-local", () => {
  test("allocate reserves an address for the pod and puts it on the interface", async () => {
    const ipam = hostLocal();
    const address = await ipam.allocate(testPod(1));
    expect(address).toEqual({ address: "10.77.0.2", prefixLength: 24 });
    expect(netns.addresses()).toEqual(["10.77.0.2/24"]);
    expect(await reservations()).toEqual(new Map([["10.77.0.2", ipamContainerId(testPod(1))]]));

    await ipam.release(testPod(1));
    expect(netns.addresses()).toEqual([]);
    expect(await reservations()).toEqual(new Map());
  });

  test("the container ID is the nibble-little-endian hex SHA-256 of the pod name", () => {
    const pod = testPod(0xabc);
    const digest = new Bun.CryptoHasher("sha256").update(formatPodName(pod)).digest("hex");
    // Each byte's two hex digits swapped.
    const swapped = digest.replace(/(.)(.)/g, "$2$1");
    expect(ipamContainerId(pod)).toBe(swapped);
    expect(ipamContainerId(pod)).toBe(
      hexifyBytes(new Bun.CryptoHasher("sha256").update(formatPodName(pod)).digest()),
    );
    expect(ipamContainerId(pod)).toHaveLength(64);
  });

  test("the plugin gets exactly the original's stdin and environment", async () => {
    const records = join(scratch, "records");
    const wrapper = join(scratch, "recording-host-local");
    // Records what the plugin was given, then runs it. /proc/$$/environ is the environment the
    // script was started with, before the shell adds anything.
    await Bun.write(
      wrapper,
      `#!/bin/sh
/usr/bin/mkdir -p ${records}
/usr/bin/tr '\\0' '\\n' < /proc/$$/environ > ${records}/$CNI_COMMAND.env
/usr/bin/tee ${records}/$CNI_COMMAND.stdin | exec ${plugin}
`,
    );
    await chmod(wrapper, 0o755);
    const ipam = hostLocal({ pluginPath: wrapper });
    await ipam.allocate(testPod(5));
    await ipam.release(testPod(5));

    const expectedStdin = JSON.stringify({
      cniVersion: "1.0.0",
      name: network,
      ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.77.0.0/24" }]] },
    });
    for (const command of ["ADD", "DEL"]) {
      expect(await Bun.file(join(records, `${command}.stdin`)).text()).toBe(expectedStdin);
      const env = (await Bun.file(join(records, `${command}.env`)).text()).trim().split("\n");
      expect(env.sort()).toEqual(
        [
          `CNI_COMMAND=${command}`,
          `CNI_CONTAINERID=${ipamContainerId(testPod(5))}`,
          "CNI_IFNAME=unused",
          "CNI_NETNS=/dev/null",
          "CNI_PATH=/..",
        ].sort(),
      );
    }
  });

  test("the defaults are the original's: network kindnet, dataDir /run/cni-ipam-state", async () => {
    const records = join(scratch, "records");
    const wrapper = join(scratch, "recording-plugin");
    // Answers like host-local without touching /run: only what was asked is of interest.
    await Bun.write(
      wrapper,
      `#!/bin/sh
/usr/bin/cat > ${records}
echo '{"cniVersion":"1.0.0","ips":[{"address":"10.77.0.9/24"}]}'
`,
    );
    await chmod(wrapper, 0o755);
    const ipam = new HostLocalIpam({
      subnet: "10.77.0.0/24",
      interface: netns.interface,
      pluginPath: wrapper,
      commandPrefix: netns.commandPrefix,
    });
    await ipam.allocate(testPod(1));
    expect(await Bun.file(records).text()).toBe(
      '{"cniVersion":"1.0.0","name":"kindnet","ipam":{"type":"host-local","dataDir":"/run/cni-ipam-state","ranges":[[{"subnet":"10.77.0.0/24"}]]}}',
    );
    await ipam.release(testPod(1));
    expect(netns.addresses()).toEqual([]);
  });

  test("churn: 200 allocate/release rounds leave no reservation and no address", async () => {
    const ipam = hostLocal();
    const seen = new Set<string>();
    for (let id = 0; id < 200; id++) {
      const { address } = await ipam.allocate(testPod(id));
      seen.add(address);
      await ipam.release(testPod(id));
    }
    // host-local hands out addresses round-robin, so churn visits many; none stays taken.
    expect(seen.size).toBeGreaterThan(1);
    expect(await reservations()).toEqual(new Map());
    expect(netns.addresses()).toEqual([]);
  });

  test("concurrent allocations get distinct addresses, all on the interface", async () => {
    const ipam = hostLocal();
    const pods = Array.from({ length: 20 }, (_, id) => testPod(id));
    const addresses = await Promise.all(pods.map((pod) => ipam.allocate(pod)));
    const cidrs = addresses.map(({ address, prefixLength }) => `${address}/${prefixLength}`);
    expect(new Set(cidrs).size).toBe(20);
    expect(netns.addresses()).toEqual([...cidrs].sort());
    await Promise.all(pods.map((pod) => ipam.release(pod)));
    expect(await reservations()).toEqual(new Map());
    expect(netns.addresses()).toEqual([]);
  });

  test("releasing the first pod's address leaves every other pod's address in place", async () => {
    const ipam = hostLocal();
    for (const id of [1, 2, 3]) await ipam.allocate(testPod(id));
    // 10.77.0.2 is the interface's primary address in 10.77.0.0/24; the others, secondaries.
    await ipam.release(testPod(1));
    expect(netns.addresses()).toEqual(["10.77.0.3/24", "10.77.0.4/24"]);
    await ipam.release(testPod(3));
    expect(netns.addresses()).toEqual(["10.77.0.3/24"]);
    await ipam.release(testPod(2));
    expect(netns.addresses()).toEqual([]);
  });

  test("IPv6 pod CIDRs work too, as the original's tests use them", async () => {
    const ipam = hostLocal({ subnet: "fc00:77::/48" });
    const address = await ipam.allocate(testPod(1));
    expect(address).toEqual({ address: "fc00:77::2", prefixLength: 48 });
    expect(netns.addresses()).toEqual(["fc00:77::2/48"]);
    await ipam.release(testPod(1));
    expect(netns.addresses()).toEqual([]);
    expect(await reservations()).toEqual(new Map());
  });

  test("a missing interface: the original's message, and the reservation is given back", async () => {
    const ipam = hostLocal({ interface: "absent0" });
    await expect(ipam.allocate(testPod(1))).rejects.toThrow(
      `Allocating an address for pod ${formatPodName(testPod(1))}: ` +
        'Failed adding IP address 10.77.0.2/24 to interface "absent0": Network device "absent0" not found',
    );
    expect(await reservations()).toEqual(new Map());
  });

  test("a pod allocating twice: the plugin refuses, the first address stays", async () => {
    const ipam = hostLocal();
    await ipam.allocate(testPod(1));
    await expect(ipam.allocate(testPod(1))).rejects.toThrow(
      /^Allocating an address for pod .*#1: Failed to run IPAM ADD: IPAM error: [\s\S]*duplicate allocation is not allowed/,
    );
    expect(netns.addresses()).toEqual(["10.77.0.2/24"]);
    expect(await reservations()).toEqual(new Map([["10.77.0.2", ipamContainerId(testPod(1))]]));
    await ipam.release(testPod(1));
  });

  test("a plugin error is reported with what the plugin said", async () => {
    const ipam = hostLocal({ subnet: "not-a-subnet" });
    await expect(ipam.allocate(testPod(1))).rejects.toThrow(
      /^Allocating an address for pod .*#1: Failed to run IPAM ADD: IPAM error: \{[\s\S]*invalid CIDR address: not-a-subnet/,
    );
    expect(netns.addresses()).toEqual([]);
  });

  test.each([
    [
      "two addresses",
      '{"cniVersion":"1.0.0","ips":[{"address":"10.77.0.2/24"},{"address":"fc00::2/64"}]}',
      "Multiple IP addresses not supported: 2",
    ],
    ["no address", '{"cniVersion":"1.0.0","ips":[]}', "Multiple IP addresses not supported: 0"],
    [
      "an address without prefix",
      '{"cniVersion":"1.0.0","ips":[{"address":"10.77.0.2"}]}',
      'Invalid address mask: "10.77.0.2"',
    ],
    ["no JSON", "oops", "Error decoding IPAM 'ADD' response: "],
  ])(
    "an ADD result with %s is refused, and DEL gives the reservation back",
    async (_, answer, message) => {
      const calls = join(scratch, "calls");
      const plugin = join(scratch, "odd-plugin");
      // Stands in for a plugin that answers what host-local never does.
      await Bun.write(
        plugin,
        `#!/bin/sh
echo "$CNI_COMMAND" >> ${calls}
[ "$CNI_COMMAND" = ADD ] && echo '${answer}'
exit 0
`,
      );
      await chmod(plugin, 0o755);
      const ipam = hostLocal({ pluginPath: plugin });
      await expect(ipam.allocate(testPod(1))).rejects.toThrow(
        `Allocating an address for pod ${formatPodName(testPod(1))}: ${message}`,
      );
      expect(await Bun.file(calls).text()).toBe("ADD\nDEL\n");
      expect(netns.addresses()).toEqual([]);
    },
  );

  test("a missing plugin binary is a clear error", async () => {
    const ipam = hostLocal({ pluginPath: join(scratch, "no-such-plugin") });
    await expect(ipam.allocate(testPod(1))).rejects.toThrow(
      /^Allocating an address for pod .*#1: Failed to run IPAM ADD: .*no-such-plugin/,
    );
  });

  test("releasing a pod this process never saw succeeds, and frees a stale reservation", async () => {
    const earlier = hostLocal();
    await earlier.allocate(testPod(3));
    // A restarted vimanad: new state, same data dir.
    const restarted = hostLocal();
    await restarted.release(testPod(3));
    await restarted.release(testPod(4));
    expect(await reservations()).toEqual(new Map());
  });

  test("an address removed behind our back: release says so, and still frees it", async () => {
    const ipam = hostLocal();
    await ipam.allocate(testPod(1));
    Bun.spawnSync([...netns.ip, "addr", "del", "10.77.0.2/24", "dev", netns.interface]);
    await expect(ipam.release(testPod(1))).rejects.toThrow(
      `Releasing the address of pod ${formatPodName(testPod(1))}: ` +
        'Failed deleting IP address 10.77.0.2/24 from interface "vimana0": ' +
        'IP address 10.77.0.2/24 not found on network device "vimana0"',
    );
    expect(await reservations()).toEqual(new Map());
    await ipam.release(testPod(1)); // nothing left to do
  });
});
