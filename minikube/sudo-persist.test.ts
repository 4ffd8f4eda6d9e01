// bin/sudo-persist against a stand-in `sudo` first on PATH that records each call, with the
// refresh interval shortened: it refreshes while CMD runs, stops within one interval after CMD
// exits, and CMD's exit code, pid and signals are its own.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const script = join(import.meta.dir, "..", "bin", "sudo-persist");
const dir = mkdtempSync("/tmp/vimana-sudo-persist-");
const calls = join(dir, "calls");
const intervalSeconds = 0.2;
writeFileSync(join(dir, "sudo"), `#!/bin/sh\necho "$*" >> ${calls}\n`);
chmodSync(join(dir, "sudo"), 0o755);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorded(): string[] {
  return existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
}

function sudoPersist(...command: string[]) {
  rmSync(calls, { force: true });
  return Bun.spawn([script, ...command], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      SUDO_PERSIST_INTERVAL: `${intervalSeconds}`,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
}

test("one `sudo -v` up front, refreshes while CMD runs, none after; CMD's exit code", async () => {
  const child = sudoPersist("sh", "-c", "sleep 1.1; echo done; exit 7");
  expect(await child.exited).toBe(7);
  expect(await new Response(child.stdout).text()).toBe("done\n");
  const during = recorded();
  expect(during[0]).toBe("-v");
  // 1.1 s at 0.2 s: about five refreshes; a loaded machine may skip one or two.
  expect(during.slice(1).length).toBeGreaterThanOrEqual(3);
  expect(during.slice(1).every((line) => line === "-n -v")).toBe(true);
  // The loop notices within one interval that CMD is gone; give it two, then nothing more.
  await Bun.sleep(intervalSeconds * 2 * 1000);
  const settled = recorded().length;
  await Bun.sleep(intervalSeconds * 3 * 1000);
  expect(recorded().length).toBe(settled);
});

test("CMD runs in sudo-persist's place: same pid, and a signal to it ends CMD", async () => {
  const child = sudoPersist("sleep", "30");
  // Once exec has happened, the pid's command line is CMD's.
  const deadline = Date.now() + 10_000;
  while (!readFileSync(`/proc/${child.pid}/cmdline`, "utf8").startsWith("sleep\0")) {
    if (Date.now() > deadline) throw new Error("sudo-persist never became `sleep 30`");
    await Bun.sleep(20);
  }
  process.kill(child.pid, "SIGTERM");
  await child.exited;
  expect(child.signalCode).toBe("SIGTERM");
});

test("`--` before CMD is accepted; no CMD is a usage error", async () => {
  const withDashes = sudoPersist("--", "sh", "-c", "exit 3");
  expect(await withDashes.exited).toBe(3);
  const none = sudoPersist();
  expect(await none.exited).toBe(2);
  expect(await new Response(none.stderr).text()).toContain("sudo-persist: no command given");
  expect(recorded()).toEqual([]);
});
