// A POSIX ustar writer: enough for image layers (regular files, directories, symlinks with
// their modes, owned by root), written deterministically (fixed mtime) so a layer's digest
// depends only on its contents.

export type TarEntry =
  | {
      readonly kind: "file";
      readonly path: string;
      readonly mode: number;
      readonly data: Uint8Array;
    }
  | { readonly kind: "directory"; readonly path: string; readonly mode: number }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string };

const BLOCK = 512;
const encoder = new TextEncoder();

function writeString(
  header: Uint8Array,
  offset: number,
  length: number,
  value: string,
  what: string,
): void {
  const bytes = encoder.encode(value);
  if (bytes.byteLength > length) {
    throw new Error(`tar: ${what} ${JSON.stringify(value)} is longer than ${length} bytes`);
  }
  header.set(bytes, offset);
}

// Numeric fields are NUL-terminated octal, zero-padded.
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`, "number");
}

/** ustar keeps names over 100 bytes as a prefix (≤ 155) and a name (≤ 100), split at a slash. */
function splitPath(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).byteLength <= 100) return { name: path, prefix: "" };
  for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (encoder.encode(prefix).byteLength <= 155 && encoder.encode(name).byteLength <= 100) {
      return { name, prefix };
    }
  }
  throw new Error(`tar: path ${JSON.stringify(path)} is too long for ustar`);
}

function header(entry: TarEntry, size: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const path =
    entry.kind === "directory" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitPath(path);
  writeString(block, 0, 100, name, "name");
  writeOctal(block, 100, 8, entry.kind === "symlink" ? 0o777 : entry.mode & 0o7777);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0); // mtime: fixed, for reproducible layers
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  block[156] = entry.kind === "file" ? 0x30 : entry.kind === "directory" ? 0x35 : 0x32;
  if (entry.kind === "symlink") writeString(block, 157, 100, entry.target, "symlink target");
  writeString(block, 257, 6, "ustar\0", "magic");
  writeString(block, 263, 2, "00", "version");
  writeString(block, 265, 32, "root", "user name");
  writeString(block, 297, 32, "root", "group name");
  writeString(block, 345, 155, prefix, "prefix");
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  writeString(block, 148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `, "checksum");
  return block;
}

/** The tar archive of `entries`, in the given order, with the two closing zero blocks. */
export function createTar(entries: readonly TarEntry[]): Uint8Array {
  let total = 2 * BLOCK;
  for (const entry of entries) {
    total += BLOCK;
    if (entry.kind === "file") total += Math.ceil(entry.data.byteLength / BLOCK) * BLOCK;
  }
  const archive = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    const size = entry.kind === "file" ? entry.data.byteLength : 0;
    archive.set(header(entry, size), offset);
    offset += BLOCK;
    if (entry.kind === "file") {
      archive.set(entry.data, offset);
      offset += Math.ceil(size / BLOCK) * BLOCK;
    }
  }
  return archive;
}
