// bun run linux against a recording docker stand-in first on PATH (no Docker engine here): the
// container is created once, started when stopped, reused when running; the command runs in the
// caller's directory; a failed create leaves no container; --name.
import { afterAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { makeStandIns } from "../../test/stand-ins.ts";
import { containerImage, containerName } from "./container.ts";

const root = resolve(import.meta.dir, "../..");
const name = containerName(root);
const standIns = makeStandIns(["docker"]);
await mkdir(join(root, "build"), { recursive: true });
const sub = await mkdtemp(join(root, "build", "linux-test-"));
afterAll(async () => {
  standIns.remove();
  await rm(sub, { recursive: true, force: true });
});

function linux(args: readonly string[], fail?: string) {
  standIns.takeCalls();
  const result = Bun.spawnSync(["bun", "run", "linux", ...args], {
    cwd: sub,
    env: { ...standIns.env(fail), KUBECONFIG: join(homedir(), ".kube", "work.yaml") },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    code: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
    calls: standIns.takeCalls(),
  };
}

const inspect = `docker container inspect --format={{.State.Running}} ${name}`;
const exec = `docker exec --interactive --workdir=${sub} --env=KUBECONFIG=/root/.kube/work.yaml ${name} bun run test src/names`;

test("the name: vimana-<checkout>-<7 hex of sha256(path)>", () => {
  expect(name).toMatch(/^vimana-[a-z0-9_.-]+-[0-9a-f]{7}$/);
  const result = linux(["--name"]);
  expect(result.stdout).toBe(`${name}\n`);
  expect(result.calls).toEqual([]);
});

test("first run creates the container, then runs bun run in the caller's directory", () => {
  const result = linux(["test", "src/names"], "container inspect");
  expect(result.code).toBe(0);
  const run = result.calls[1] as string;
  expect(result.calls).toEqual([inspect, run, exec]);
  for (const part of [
    `docker run --detach --name=${name} --hostname=${name}`,
    "--privileged --cgroupns=host --security-opt=seccomp=unconfined",
    "--add-host=host.docker.internal:host-gateway",
    `--volume=${root}:${root} --volume=${name}-node_modules:${root}/node_modules`,
    "--volume=vimana-linux-cache:/root/.cache",
    `--workdir=${root} ${containerImage()} sleep infinity`,
  ]) {
    expect(run).toContain(part);
  }
  expect(result.stderr).toContain(`linux: creating container ${name}`);
});

test("a running container is reused; a stopped one is started", () => {
  standIns.respond(["container inspect|true"]);
  expect(linux(["test", "src/names"]).calls).toEqual([inspect, exec]);
  standIns.respond(["container inspect|false"]);
  expect(linux(["test", "src/names"]).calls).toEqual([inspect, `docker start ${name}`, exec]);
  standIns.respond([]);
});

test("the command's exit status is linux's", () => {
  standIns.respond(["container inspect|true"]);
  const result = linux(["test", "src/names"], "docker exec");
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("stand-in: refused (docker exec)");
  standIns.respond([]);
});

test("a failed create removes the half-made container and says why", () => {
  const failed = linux(["test"], "container inspect|docker run");
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain(
    `linux: creating container ${name} failed:\nstand-in: refused (docker run)`,
  );
  expect(failed.calls.at(-1)).toBe(`docker rm --force ${name}`);
  expect(failed.calls.some((call) => call.startsWith("docker exec"))).toBe(false);
});

test("--remove deletes the container", () => {
  expect(linux(["--remove"]).calls).toEqual([`docker rm --force ${name}`]);
});
