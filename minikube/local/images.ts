// The images ordinary pods need, since none can be pulled here: a pause image (a static C
// program) and a busybox image (Debian's busybox-static), pushed to the cluster's registry.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildPlainImage, type ImageFile, pushPlainImage } from "../../src/oci/index.ts";

const pauseSource = join(import.meta.dir, "pause.c");
const busyboxBinary = "/bin/busybox";

export interface LocalImages {
  /** `<registry>/vimana/pause:local`, the sandbox image containerd runs. */
  readonly pause: string;
  /** `<registry>/vimana/busybox:local`: sh, sleep, wget, httpd, … */
  readonly busybox: string;
}

async function compilePause(outDir: string): Promise<string> {
  const out = join(outDir, "pause");
  const gcc = Bun.spawnSync(["gcc", "-static", "-Os", "-s", "-o", out, pauseSource]);
  if (gcc.exitCode !== 0) {
    throw new Error(
      `building the pause binary: gcc -static ${pauseSource} failed (needs Debian gcc and libc6-dev):\n${gcc.stderr}`,
    );
  }
  return out;
}

function busyboxFiles(): ImageFile[] {
  if (!existsSync(busyboxBinary)) {
    throw new Error(`the busybox image needs ${busyboxBinary}: apt-get install busybox-static`);
  }
  const list = Bun.spawnSync([busyboxBinary, "--list"]);
  const applets = `${list.stdout}`
    .split("\n")
    .filter((name) => /^[\w.[-]+$/.test(name) && name !== "busybox");
  return [
    { path: "/bin/busybox", from: busyboxBinary, mode: 0o755 },
    ...applets.map((name) => ({ path: `/bin/${name}`, symlink: "busybox" })),
    { path: "/tmp", directory: true, mode: 0o1777 },
    {
      path: "/etc/passwd",
      contents: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    },
    { path: "/etc/group", contents: "root:x:0:\nnobody:x:65534:\n" },
  ];
}

/** Builds both images and pushes them to the (insecure) registry at `registry`. */
export async function pushLocalImages(registry: string, workDir: string): Promise<LocalImages> {
  const pause = buildPlainImage(
    [{ path: "/pause", from: await compilePause(workDir), mode: 0o755 }],
    { entrypoint: ["/pause"], user: "65535:65535" },
  );
  const busybox = buildPlainImage(busyboxFiles(), {
    cmd: ["sh"],
    env: ["PATH=/bin"],
  });
  const tag = "local";
  await pushPlainImage({ registry, insecure: true, repository: "vimana/pause", tag, image: pause });
  await pushPlainImage({
    registry,
    insecure: true,
    repository: "vimana/busybox",
    tag,
    image: busybox,
  });
  return { pause: `${registry}/vimana/pause:${tag}`, busybox: `${registry}/vimana/busybox:${tag}` };
}
