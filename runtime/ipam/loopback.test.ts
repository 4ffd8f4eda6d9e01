import { expect, test } from "bun:test";
import { LoopbackIpam } from "./loopback.ts";
import { testPod } from "./testdata/pods.ts";

test("addresses come from 127.0.0.0/8, starting after 127.0.0.1", async () => {
  const ipam = new LoopbackIpam();
  expect(await ipam.allocate(testPod(1))).toEqual({ address: "127.0.0.2", prefixLength: 8 });
  expect(await ipam.allocate(testPod(2))).toEqual({ address: "127.0.0.3", prefixLength: 8 });
});

test("a pod holds one address: allocating again fails and keeps the first", async () => {
  const ipam = new LoopbackIpam();
  await ipam.allocate(testPod(7));
  await expect(ipam.allocate(testPod(7))).rejects.toThrow(
    "Allocating an address for pod 1234567890abcdef0f9ed8c7654b32a1:adder@1.0.0#7: it already has 127.0.0.2",
  );
  await ipam.release(testPod(7));
  expect((await ipam.allocate(testPod(8))).address).toBe("127.0.0.2");
});

test("releasing a pod without an address succeeds, and frees nothing", async () => {
  const ipam = new LoopbackIpam();
  await ipam.allocate(testPod(1));
  await ipam.release(testPod(2));
  await ipam.release(testPod(2));
  expect((await ipam.allocate(testPod(3))).address).toBe("127.0.0.3");
});

test("released addresses are reused, oldest release first", async () => {
  const ipam = new LoopbackIpam();
  for (const id of [1, 2, 3]) await ipam.allocate(testPod(id));
  await ipam.release(testPod(3));
  await ipam.release(testPod(1));
  expect((await ipam.allocate(testPod(4))).address).toBe("127.0.0.4");
  expect((await ipam.allocate(testPod(5))).address).toBe("127.0.0.2");
  expect((await ipam.allocate(testPod(6))).address).toBe("127.0.0.5");
});

test("churn does not leak: 200 rounds with 10 live pods use exactly 10 addresses", async () => {
  const ipam = new LoopbackIpam();
  const seen = new Set<string>();
  const live: number[] = [];
  for (let id = 0; id < 210; id++) {
    if (live.length === 10) await ipam.release(testPod(live.shift() ?? -1));
    seen.add((await ipam.allocate(testPod(id))).address);
    live.push(id);
  }
  expect(seen.size).toBe(10);
  for (const id of live) await ipam.release(testPod(id));
  // Everything was returned: ten new pods get the same ten addresses.
  const again = new Set<string>();
  for (let id = 1000; id < 1010; id++) again.add((await ipam.allocate(testPod(id))).address);
  expect(again).toEqual(seen);
});

test("an allocated address can be served on without any setup", async () => {
  const ipam = new LoopbackIpam();
  await ipam.allocate(testPod(1));
  const { address } = await ipam.allocate(testPod(2));
  const server = Bun.serve({ hostname: address, port: 0, fetch: () => new Response(address) });
  try {
    const answer = await fetch(`http://${address}:${server.port}/`);
    expect(await answer.text()).toBe("127.0.0.3");
  } finally {
    await server.stop(true);
  }
});

test("adopted addresses stay their pods': never handed out again while held", async () => {
  const ipam = new LoopbackIpam();
  await ipam.adopt(testPod(1), "127.0.0.3");
  await ipam.adopt(testPod(2), "127.0.0.5");
  await ipam.adopt(testPod(2), "127.0.0.5"); // the same again: nothing to do
  const fresh = [];
  for (const id of [10, 11, 12, 13]) fresh.push((await ipam.allocate(testPod(id))).address);
  expect(fresh).toEqual(["127.0.0.2", "127.0.0.4", "127.0.0.6", "127.0.0.7"]);
  await expect(ipam.adopt(testPod(3), "127.0.0.3")).rejects.toThrow(
    "Allocating an address for pod 1234567890abcdef0f9ed8c7654b32a1:adder@1.0.0#3: 127.0.0.3 is held by pod 1234567890abcdef0f9ed8c7654b32a1:adder@1.0.0#1",
  );
  await expect(ipam.adopt(testPod(4), "10.0.0.1")).rejects.toThrow("is not a loopback pod address");
  await ipam.release(testPod(1));
  expect((await ipam.allocate(testPod(20))).address).toBe("127.0.0.3");
});
