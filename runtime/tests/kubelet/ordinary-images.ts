// The images an ordinary (non-Vimana) pod needs, built here since none can be pulled: a pause
// image (a static C program that waits for SIGTERM or SIGINT) and a busybox image (Debian's
// busybox-static), pushed to the test's registry.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPlainImage, type ImageFile, pushPlainImage } from "../../../src/oci/index.ts";

export interface OrdinaryImages {
  /** containerd's sandbox image. */
  readonly pause: string;
  /** sh, sleep, httpd, wget, … */
  readonly busybox: string;
}

const PAUSE_C = `#include <signal.h>
#include <unistd.h>
static void done(int signal) { (void)signal; _exit(0); }
int main(void) {
  signal(SIGTERM, done);
  signal(SIGINT, done);
  for (;;) pause();
}
`;
const BUSYBOX = "/bin/busybox";

async function pauseBinary(dir: string): Promise<string> {
  const source = join(dir, "pause.c");
  const binary = join(dir, "pause");
  await writeFile(source, PAUSE_C);
  const gcc = Bun.spawnSync(["gcc", "-static", "-Os", "-s", "-o", binary, source]);
  if (gcc.exitCode !== 0) {
    throw new Error(`gcc -static ${source} failed (needs Debian gcc, libc6-dev):\n${gcc.stderr}`);
  }
  return binary;
}

function busyboxFiles(): ImageFile[] {
  if (!existsSync(BUSYBOX))
    throw new Error(`the busybox image needs ${BUSYBOX}: apt-get install busybox-static`);
  const applets = Bun.spawnSync([BUSYBOX, "--list"])
    .stdout.toString()
    .split("\n")
    .filter((name) => /^[\w.[-]+$/.test(name) && name !== "busybox");
  return [
    { path: "/bin/busybox", from: BUSYBOX, mode: 0o755 },
    ...applets.map((name) => ({ path: `/bin/${name}`, symlink: "busybox" })),
    { path: "/tmp", directory: true, mode: 0o1777 },
  ];
}

export async function pushOrdinaryImages(
  registry: string,
  workDir: string,
): Promise<OrdinaryImages> {
  const pause = buildPlainImage(
    [{ path: "/pause", from: await pauseBinary(workDir), mode: 0o755 }],
    {
      entrypoint: ["/pause"],
      user: "65535:65535",
    },
  );
  const busybox = buildPlainImage(busyboxFiles(), { cmd: ["sh"], env: ["PATH=/bin"] });
  const push = { registry, insecure: true, tag: "local" };
  // One after the other: docker-registry can lose a blob pushed twice at once (DESIGN.md).
  await pushPlainImage({ ...push, repository: "vimana/pause", image: pause });
  await pushPlainImage({ ...push, repository: "vimana/busybox", image: busybox });
  return { pause: `${registry}/vimana/pause:local`, busybox: `${registry}/vimana/busybox:local` };
}
