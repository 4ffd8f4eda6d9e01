// vimanad as a process: flags, config file, startup checks, signals, logging (ref §1.1, §1.2,
// §1.10), run as the compiled executable.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { criMethods } from "../cri/index.ts";
import { type ContainerdFixture, startContainerd } from "./fixtures/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { buildVimanad, startVimanad } from "./vimanad.ts";

describe("vimanad process", () => {
  let containerd: ContainerdFixture;
  let binary: string;
  let dir: string;

  beforeAll(async () => {
    [containerd, binary, dir] = await Promise.all([
      startContainerd(),
      buildVimanad(),
      mkdtemp(join(tmpdir(), "vimanad-daemon-")),
    ]);
  });
  afterAll(async () => {
    await containerd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const runOnce = (args: string[]) => {
    const result = Bun.spawnSync([binary, ...args], { cwd: dir, timeout: 30_000 });
    return {
      code: result.exitCode,
      stdout: result.stdout.toString(),
      stderr: result.stderr.toString(),
    };
  };

  test("--help and --version", () => {
    const help = runOnce(["--help"]);
    expect(help.code).toBe(0);
    for (const flag of [
      "--incoming",
      "--downstream",
      "--image-store",
      "--insecure-registries",
      "--ipam-plugin",
      "--network-interface",
      "--pod-ips",
      "--ipam",
      "--dataplane-port",
      "--state-dir",
      "--log-format",
      "--config",
    ]) {
      expect(help.stdout).toContain(flag);
    }
    // The build id of scripts/build.ts: UTC time and a random suffix.
    expect(runOnce(["--version"])).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^vimanad 0\.0\.0\+\d{8}T\d{6}Z-[0-9a-f]{6}\n$/),
      stderr: "",
    });
  });

  test("bad flags and config files are refused with the reason", () => {
    const unknown = runOnce(["--no-such-flag"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no-such-flag");
    const missing = runOnce([`--config=${join(dir, "absent.json")}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Error opening config file '${join(dir, "absent.json")}'`);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(runOnce([`--config=${broken}`]).stderr).toContain(
      `Error parsing config file '${broken}'`,
    );
  });

  test("an unreachable downstream fails fast with a clear message", () => {
    const absent = join(dir, "no-containerd.sock");
    const result = runOnce([
      `--downstream=${absent}`,
      `--incoming=${join(dir, "x.sock")}`,
      `--image-store=${join(dir, "images")}`,
      `--state-dir=${join(dir, "state")}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Unable to connect to OCI runtime socket: ${absent}`);
  });

  test("a config file without insecureRegistries loads; the command line wins", async () => {
    const config = join(dir, "config.json");
    const socket = join(dir, "from-config", "vimanad.sock");
    writeFileSync(
      config,
      JSON.stringify({ incoming: socket, downstream: "/nonexistent.sock", logFormat: "json" }),
    );
    const vimanad = await startVimanad({
      downstream: containerd.socket,
      dataplanePort: freeLoopbackPort(),
      extraArgs: [`--config=${config}`],
    });
    try {
      // The harness's --incoming on the command line wins over the file's.
      expect(existsSync(socket)).toBe(false);
      expect((await vimanad.cri.call(criMethods.Version, {})).runtime_name).toBe("vimana");
    } finally {
      await vimanad.cleanUp();
    }
  });

  test("a stale socket does not stop a start; SIGTERM stops and unlinks it", async () => {
    const first = await startVimanad({
      downstream: containerd.socket,
      dataplanePort: freeLoopbackPort(),
    });
    try {
      await first.kill();
      expect(existsSync(first.socket)).toBe(true);
      const second = await startVimanad({
        downstream: containerd.socket,
        dataplanePort: freeLoopbackPort(),
        incoming: first.socket,
      });
      try {
        expect((await second.cri.call(criMethods.Version, {})).version).toBe("0.1.0");
        expect(await second.stop()).toBe(0);
        expect(existsSync(first.socket)).toBe(false);
        const lines = second
          .log()
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line));
        expect(lines.map((line) => line.msg)).toContain("Shutting down");
      } finally {
        await second.cleanUp();
      }
    } finally {
      await first.cleanUp();
    }
  });
});
