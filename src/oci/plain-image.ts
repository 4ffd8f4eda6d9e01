// Ordinary OCI images (one gzip tar layer and a runnable config), for what the platform runs
// beside Vimana pods: the pause image and test images of the local cluster, the operator.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { RegistryClient, type RegistryConnection } from "./client.ts";
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { MANIFEST_MEDIA_TYPE } from "./image-format.ts";
import { putManifest, uploadBlob } from "./push.ts";
import { createTar, type TarEntry } from "./tar.ts";

export const IMAGE_CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
export const LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

/** One entry of the image's filesystem. `path` is absolute in the image ("/bin/sh"). */
export type ImageFile =
  | {
      readonly path: string;
      /** A file on this machine, copied with `mode` (0o755 by default). */
      readonly from: string;
      readonly mode?: number;
    }
  | { readonly path: string; readonly contents: Uint8Array | string; readonly mode?: number }
  | { readonly path: string; readonly symlink: string }
  | { readonly path: string; readonly directory: true; readonly mode?: number };

/** What the image runs, as in the OCI image config's `config` object. */
export interface RunConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  /** "65532", "65532:65532", "root". */
  readonly user?: string;
  /** "NAME=value" */
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PlainImage {
  /** The gzip-compressed layer. */
  readonly layer: Uint8Array;
  readonly config: Uint8Array;
  readonly manifest: Uint8Array;
  /** The manifest's digest: the image's identity. */
  readonly digest: string;
}

function relative(path: string): string {
  if (!path.startsWith("/") || path.split("/").some((part) => part === "..")) {
    throw new Error(`image path ${JSON.stringify(path)} must be absolute, without ".."`);
  }
  return path.replace(/^\/+/, "").replace(/\/+$/, "");
}

/** Tar entries for `files`, each missing parent directory first (0755). */
function tarEntries(files: readonly ImageFile[]): TarEntry[] {
  const entries: TarEntry[] = [];
  const directories = new Set<string>();
  const addParents = (path: string) => {
    const parts = path.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!directories.has(dir)) {
        directories.add(dir);
        entries.push({ kind: "directory", path: dir, mode: 0o755 });
      }
    }
  };
  for (const file of files) {
    const path = relative(file.path);
    addParents(path);
    if ("directory" in file) {
      if (!directories.has(path))
        entries.push({ kind: "directory", path, mode: file.mode ?? 0o755 });
      directories.add(path);
    } else if ("symlink" in file) {
      entries.push({ kind: "symlink", path, target: file.symlink });
    } else {
      let data: Uint8Array;
      try {
        data =
          "from" in file
            ? new Uint8Array(readFileSync(file.from))
            : typeof file.contents === "string"
              ? new TextEncoder().encode(file.contents)
              : file.contents;
      } catch (error) {
        throw new Error(`image file ${file.path}: ${(error as Error).message}`, { cause: error });
      }
      const mode = file.mode ?? ("from" in file ? 0o755 : 0o644);
      entries.push({ kind: "file", path, mode, data });
    }
  }
  return entries;
}

const encoder = new TextEncoder();

/** Builds a single-layer linux/amd64-style image (architecture as given). */
export function buildPlainImage(
  files: readonly ImageFile[],
  run: RunConfig,
  options: { architecture?: string; created?: Date } = {},
): PlainImage {
  const tar = createTar(tarEntries(files));
  // Level 9 costs little for a few MB and keeps pushes small; mtime 0 keeps it reproducible.
  const layer = new Uint8Array(gzipSync(tar, { level: 9 }));
  const runConfig: Record<string, unknown> = {};
  if (run.user !== undefined) runConfig.User = run.user;
  if (run.env !== undefined) runConfig.Env = run.env;
  if (run.entrypoint !== undefined) runConfig.Entrypoint = run.entrypoint;
  if (run.cmd !== undefined) runConfig.Cmd = run.cmd;
  if (run.workingDir !== undefined) runConfig.WorkingDir = run.workingDir;
  if (run.labels !== undefined) runConfig.Labels = run.labels;
  const config = encoder.encode(
    JSON.stringify({
      created: (options.created ?? new Date(0)).toISOString(),
      architecture: options.architecture ?? "amd64",
      os: "linux",
      config: runConfig,
      rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
      history: [{ created_by: "vimana buildPlainImage" }],
    }),
  );
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: {
        mediaType: IMAGE_CONFIG_MEDIA_TYPE,
        size: config.byteLength,
        digest: sha256Digest(config),
      },
      layers: [
        { mediaType: LAYER_MEDIA_TYPE, size: layer.byteLength, digest: sha256Digest(layer) },
      ],
    }),
  );
  return { layer, config, manifest, digest: sha256Digest(manifest) };
}

export interface PushPlainImageOptions extends RegistryConnection {
  /** Repository in the registry, e.g. "vimana/pause". */
  readonly repository: string;
  readonly tag: string;
  readonly image: PlainImage;
}

/** Pushes the layer, the config and the manifest; resolves `<registry>/<repository>@<digest>`. */
export async function pushPlainImage(options: PushPlainImageOptions): Promise<string> {
  const reference = `${options.registry}/${options.repository}:${options.tag}`;
  try {
    const client = new RegistryClient(options);
    await uploadBlob(client, options.repository, options.image.layer, "layer");
    await uploadBlob(client, options.repository, options.image.config, "config");
    await putManifest(client, options.repository, options.tag, {
      manifest: options.image.manifest,
      digest: options.image.digest,
    });
    return `${options.registry}/${options.repository}@${options.image.digest}`;
  } catch (error) {
    throw new OciError("push", reference, error);
  }
}
