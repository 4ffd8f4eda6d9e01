// 200 pods through the whole lifecycle, kubelet-style, 20 at a time: every call answers, and
// neither addresses nor file descriptors leak.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { criMethods } from "../cri/index.ts";
import type { RegistryFixture } from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import {
  type PushedImage,
  podLifecycle,
  pushExample,
  type Stack,
  startStack,
  type Vimanad,
} from "./vimanad.ts";

const PODS = 200;
const AT_ONCE = 20;

describe("pod churn", () => {
  let registry: RegistryFixture;
  let vimanad: Vimanad;
  let stack: Stack | undefined;
  let image: PushedImage;
  const port = freeLoopbackPort();

  beforeAll(async () => {
    stack = await startStack({ dataplanePort: port });
    ({ registry, vimanad } = stack);
    image = await pushExample(registry.host, "churn", "1.0.0");
    await vimanad.cri.call(criMethods.PullImage, {
      image: image.imageSpec,
      sandbox_config: { labels: image.labels },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const batch = () =>
    Promise.all(Array.from({ length: AT_ONCE }, () => podLifecycle(vimanad.cri, image, port)));
  const fds = () => readdirSync(`/proc/${vimanad.pid}/fd`).length;

  test(`${PODS} pods, ${AT_ONCE} at a time: no address or descriptor leak`, async () => {
    // One batch first, so that what is opened once (component cache, listeners) is open.
    const warm = new Set(await batch());
    const before = fds();
    const addresses = new Set<string>(warm);
    for (let done = AT_ONCE; done < PODS; done += AT_ONCE) {
      for (const ip of await batch()) addresses.add(ip);
    }
    // Released addresses are reused: never more in use than pods alive at once.
    expect(addresses.size).toBeLessThanOrEqual(AT_ONCE);
    expect(fds()).toBeLessThanOrEqual(before);
    const { items } = await vimanad.cri.call(criMethods.ListPodSandbox, {});
    expect(items.filter((item) => item.runtime_handler === RUNTIME_HANDLER)).toHaveLength(0);
    expect(vimanad.exited()).toBe(false);
  }, 120_000);
});
