// One vimanad takes over from another under load (issue #13): three clients call every pod
// continuously through the swap, and a kubelet-like CRI client keeps listing on the socket it
// opened before; not one call fails, and afterwards only the new process holds the listeners.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { criMethods } from "../cri/index.ts";
import { startCallers } from "./callers.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import {
  addFloats,
  endPod,
  type PushedImage,
  pushExample,
  startPod,
  startVimanad,
  type Vimanad,
} from "./vimanad.ts";

const PODS = 6;
const CALLERS = 3;

/** The pids of the processes listening on `filter` (an ss filter), in this network namespace. */
function listenerPids(...filter: string[]): Set<number> {
  const out = Bun.spawnSync(["ss", "-Hlp", ...filter]).stdout.toString();
  return new Set([...out.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1])));
}

describe("vimanad --takeover", () => {
  let containerd: ContainerdFixture | undefined;
  let registry: RegistryFixture | undefined;
  const started: Vimanad[] = [];
  let image: PushedImage;
  const port = freeLoopbackPort();

  const start = async (extraArgs: string[] = [], env?: Record<string, string>) => {
    const previous = started[0];
    const vimanad = await startVimanad({
      downstream: (containerd as ContainerdFixture).socket,
      insecureRegistries: [(registry as RegistryFixture).host],
      dataplanePort: port,
      extraArgs,
      ...(env !== undefined && { env }),
      ...(previous !== undefined && { dir: previous.dir }),
    });
    started.push(vimanad);
    return vimanad;
  };

  beforeAll(async () => {
    [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
    const old = await start();
    image = await pushExample(registry.host, "takeover", "1.0.0");
    await old.cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
  });
  afterAll(async () => {
    // The directory is shared: remove it once, after every process is gone.
    for (const vimanad of started.slice(1).reverse()) await vimanad.kill();
    await started[0]?.cleanUp();
    await Promise.all([containerd?.stop(), registry?.stop()]);
  });

  test(`${CALLERS} clients calling ${PODS} pods through the swap: 0 failed calls`, async () => {
    const old = started[0] as Vimanad;
    const pods = await Promise.all(
      Array.from({ length: PODS }, () => startPod(old.cri, image, port)),
    );
    const callers = startCallers(
      pods.map((pod) => pod.ip),
      port,
      CALLERS,
    );
    // kubelet: one CRI connection, opened before the swap, listing throughout.
    let listing = true;
    const listErrors: string[] = [];
    let lists = 0;
    const kubelet = (async () => {
      while (listing) {
        try {
          const { items } = await old.cri.call(criMethods.ListPodSandbox, {});
          if (items.filter((item) => item.runtime_handler === RUNTIME_HANDLER).length !== PODS) {
            listErrors.push(`listed ${items.length} pods`);
          }
          lists++;
        } catch (error) {
          listErrors.push((error as Error).message);
        }
        await Bun.sleep(5);
      }
    })();
    while (callers.answered() < PODS * CALLERS * 5) await Bun.sleep(10);

    const successor = await start(["--takeover"]);
    expect(successor.log()).toContain('"msg":"Took over from the previous vimanad"');
    const deadline = Date.now() + 15_000;
    while (!old.exited() && Date.now() < deadline) await Bun.sleep(20);
    expect(old.exited()).toBe(true);
    expect(old.log()).toContain('"reason":"taken over by a new vimanad"');
    // Calls keep going to the new process alone for a while.
    const answeredAtSwap = callers.answered();
    while (callers.answered() < answeredAtSwap + PODS * CALLERS * 5) await Bun.sleep(10);
    const listsAtSwap = lists;
    while (lists < listsAtSwap + 5) await Bun.sleep(10);
    listing = false;
    await kubelet;
    const totals = await callers.stop();

    expect(totals.failures).toEqual([]);
    expect(listErrors).toEqual([]);
    expect(totals.calls).toBeGreaterThan(0);
    // Only the new process listens: every pod's address and the CRI socket.
    expect(listenerPids("-tn", `sport = :${port}`)).toEqual(new Set([successor.pid]));
    expect(listenerPids("-x", `src ${successor.socket}`)).toEqual(new Set([successor.pid]));

    // And it runs pods as before: a new one, and the old ones to their end.
    const fresh = await startPod(successor.cri, image, port);
    for (const pod of [...pods, fresh]) await endPod(successor.cri, pod);
    const { items } = await successor.cri.call(criMethods.ListPodSandbox, {});
    expect(items.filter((item) => item.runtime_handler === RUNTIME_HANDLER)).toEqual([]);
  }, 90_000);

  // Where the old process dies, and what the new one then logs: before it copied the sockets
  // they died with the old one (a start after a crash); after, it serves on them alone.
  for (const [point, logged] of [
    ["takeover:quiesced", "The previous vimanad died before its sockets were copied"],
    ["takeover:ready", "The previous vimanad died during the takeover; serving on my own"],
  ]) {
    test(`the old process dies at ${point}: the new one serves every pod alone`, async () => {
      await started.at(-1)?.stop();
      const old = await start([], { VIMANAD_CRASH_AT: point as string });
      const pods = await Promise.all(
        Array.from({ length: 2 }, () => startPod(old.cri, image, port)),
      );
      const successor = await start(["--takeover"]);
      const deadline = Date.now() + 10_000;
      while (!old.exited() && Date.now() < deadline) await Bun.sleep(20);
      expect(old.log()).toContain(`VIMANAD_CRASH_AT=${point}: killing myself`);
      expect(successor.log()).toContain(logged as string);
      expect(await Promise.all(pods.map((pod) => addFloats(pod.ip, port, 4, 5)))).toEqual([9, 9]);
      expect(listenerPids("-tn", `sport = :${port}`)).toEqual(new Set([successor.pid]));
      for (const pod of pods) await endPod(successor.cri, pod);
    }, 60_000);
  }
});
