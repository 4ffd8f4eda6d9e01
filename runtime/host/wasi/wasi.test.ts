import { describe, expect, test } from "bun:test";
import { ComponentExit, SandboxDenied } from "../failures.ts";
import { LineWriter } from "../log.ts";
import { refusal, wasiImports } from "./index.ts";
import { MAX_TRANSFER_BYTES, type OutputStream, type Pollable } from "./io.ts";

function sandbox(env: [string, string][] = []) {
  const out: string[] = [];
  const wasi = wasiImports({
    env,
    stdout: new LineWriter((line) => out.push(`out: ${line}`)),
    stderr: new LineWriter((line) => out.push(`err: ${line}`)),
  });
  // biome-ignore lint/suspicious/noExplicitAny: calling the interfaces as the glue does.
  const get = (name: string): any => wasi[name];
  return { out, get };
}

describe("which imports load", () => {
  test.each([
    "wasi:cli/environment@0.2.0",
    "wasi:io/streams@0.2.12",
    "wasi:random/insecure-seed@0.2.3",
  ])("%s is provided", (name) => expect(refusal(name)).toBeUndefined());

  test.each([
    ["wasi:cli/environment@0.3.0", "only versions 0.2.x of wasi:cli/environment are provided"],
    ["wasi:io/streams@0.2.0-rc-2023-11-10", "only versions 0.2.x of wasi:io/streams are provided"],
    ["wasi:clocks/wall-clock", "only versions 0.2.x of wasi:clocks/wall-clock are provided"],
    ["wasi:sockets/tcp@0.2.0", "no network access is provided"],
    ["wasi:http/outgoing-handler@0.2.0", "no network access is provided"],
    ["wasi:keyvalue/store@0.2.0", "the host does not provide it"],
    ["log", "the host does not provide it"],
  ])("%s is refused: %s", (name, why) => expect(refusal(name)).toBe(why));
});

describe("the sandbox", () => {
  test("environment: the pod's variables, no arguments, no working directory", () => {
    const { get } = sandbox([["A", "1"]]);
    expect(get("wasi:cli/environment").getEnvironment()).toEqual([["A", "1"]]);
    expect(get("wasi:cli/environment").getArguments()).toEqual([]);
    expect(get("wasi:cli/environment").initialCwd()).toBeUndefined();
  });

  test("exit throws, carrying the status", () => {
    const { get } = sandbox();
    expect(() => get("wasi:cli/exit").exit({ tag: "err" })).toThrow(ComponentExit);
    expect(() => get("wasi:cli/exit").exitWithCode(7)).toThrow("exit with status 7");
  });

  test("stdout and stderr are line writers; stdin is closed; no terminal", () => {
    const { get, out } = sandbox();
    const stdout: OutputStream = get("wasi:cli/stdout").getStdout();
    stdout.write(new TextEncoder().encode("hello\n"));
    get("wasi:cli/stderr").getStderr().blockingWriteAndFlush(new TextEncoder().encode("oops\n"));
    expect(out).toEqual(["out: hello", "err: oops"]);
    expect(get("wasi:cli/stdin").getStdin().read(10n)).toEqual({
      tag: "err",
      val: { tag: "closed" },
    });
    expect(get("wasi:cli/terminal-stdout").getTerminalStdout()).toBeUndefined();
  });

  test("no preopened directories, so no path can be reached", () => {
    expect(sandbox().get("wasi:filesystem/preopens").getDirectories()).toEqual([]);
  });

  test("random bytes of the length asked, up to a limit", () => {
    const { get } = sandbox();
    expect(get("wasi:random/random").getRandomBytes(100_000n)).toHaveLength(100_000);
    expect(typeof get("wasi:random/insecure").getInsecureRandomU64()).toBe("bigint");
    expect(() => get("wasi:random/random").getRandomBytes(BigInt(MAX_TRANSFER_BYTES) + 1n)).toThrow(
      SandboxDenied,
    );
  });

  test("poll returns the ready pollables and refuses to wait for a timer", () => {
    const { get } = sandbox();
    const clock = get("wasi:clocks/monotonic-clock");
    const ready: Pollable = get("wasi:cli/stdout").getStdout().subscribe();
    const past: Pollable = clock.subscribeDuration(0n);
    const future: Pollable = clock.subscribeDuration(60_000_000_000n);
    expect([...get("wasi:io/poll").poll([future, ready, past])]).toEqual([1, 2]);
    expect(future.ready()).toBe(false);
    expect(() => get("wasi:io/poll").poll([future])).toThrow(SandboxDenied);
    expect(() => future.block()).toThrow("a call may not block");
  });

  test("clocks read the host's time", () => {
    const { get } = sandbox();
    const { seconds, nanoseconds } = get("wasi:clocks/wall-clock").now();
    expect(Number(seconds)).toBeCloseTo(Date.now() / 1000, -1);
    expect(nanoseconds).toBeLessThan(1e9);
    const before = get("wasi:clocks/monotonic-clock").now();
    expect(get("wasi:clocks/monotonic-clock").now()).toBeGreaterThanOrEqual(before);
  });
});
