import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, renameSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerLogs } from "./index.ts";

let dir: string;
let paths: Map<string, string>;
let errors: string[];
let logs: ContainerLogs;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vimana-logs-"));
  paths = new Map();
  errors = [];
  logs = new ContainerLogs({
    pathOf: (pod) => paths.get(pod),
    onError: (pod, path, error) => errors.push(`${pod} ${path}: ${String(error)}`),
  });
});

afterEach(async () => {
  logs.closeAll();
  await rm(dir, { recursive: true, force: true });
});

const RECORD = /^(\S+) (stdout|stderr) ([FP]) (.*)$/;

function records(path: string): string[][] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const match = RECORD.exec(line);
      if (match === null) throw new Error(`not a CRI log record: ${JSON.stringify(line)}`);
      // RFC 3339 with fractional seconds, in UTC, as kubelet parses them.
      expect(Number.isNaN(Date.parse(match[1] ?? ""))).toBe(false);
      return match.slice(2);
    });
}

describe("ContainerLogs", () => {
  test("writes lines in the CRI log format to the pod's path, creating its directory", async () => {
    const path = join(dir, "pod_ns_uid", "grpc", "0.log");
    paths.set("pod-a", path);
    expect(logs.write({ pod: "pod-a", stream: "stdout", line: "hello" })).toBe(true);
    expect(logs.write({ pod: "pod-a", stream: "stderr", line: "a piece", partial: true })).toBe(
      true,
    );
    expect(logs.write({ pod: "pod-a", stream: "stderr", line: " and the rest" })).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records(path)).toEqual([
      ["stdout", "F", "hello"],
      ["stderr", "P", "a piece"],
      ["stderr", "F", " and the rest"],
    ]);
    expect(errors).toEqual([]);
  });

  test("a pod without a log path is not written (the caller logs the line elsewhere)", () => {
    expect(logs.write({ pod: "pod-b", stream: "stdout", line: "x" })).toBe(false);
  });

  test("reopen after kubelet's rotation writes a new file at the same path", () => {
    const path = join(dir, "c", "0.log");
    paths.set("pod-c", path);
    logs.write({ pod: "pod-c", stream: "stdout", line: "before" });
    logs.flush();
    renameSync(path, `${path}.rotated`);
    logs.reopen("pod-c");
    logs.write({ pod: "pod-c", stream: "stdout", line: "after" });
    logs.flush();
    expect(records(`${path}.rotated`)).toEqual([["stdout", "F", "before"]]);
    expect(records(path)).toEqual([["stdout", "F", "after"]]);
  });

  test("reopen of a pod without a path fails, naming the pod", () => {
    expect(() => logs.reopen("pod-d")).toThrow("pod pod-d has no container log path to reopen");
  });

  test("close forgets the path: a recreated container's new path is used", () => {
    paths.set("pod-e", join(dir, "e", "0.log"));
    logs.write({ pod: "pod-e", stream: "stdout", line: "first" });
    logs.close("pod-e");
    paths.set("pod-e", join(dir, "e", "1.log"));
    logs.write({ pod: "pod-e", stream: "stdout", line: "second" });
    logs.flush();
    expect(records(join(dir, "e", "0.log"))).toEqual([["stdout", "F", "first"]]);
    expect(records(join(dir, "e", "1.log"))).toEqual([["stdout", "F", "second"]]);
  });
});
