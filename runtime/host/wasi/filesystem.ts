// wasi:filesystem@0.2.x with no preopens. Every descriptor derives from a preopen, so no
// descriptor can exist and every path operation fails before reaching the host. The resource
// classes are declared because the glue checks for them; a forged handle reaches a method that
// does not exist, which fails its call.

export class Descriptor {}

export class DirectoryEntryStream {}

export const filesystemInterfaces = {
  "wasi:filesystem/preopens": { getDirectories: (): [Descriptor, string][] => [] },
  "wasi:filesystem/types": {
    Descriptor,
    DirectoryEntryStream,
    /** No stream or I/O error here ever comes from a file. */
    filesystemErrorCode: (): undefined => undefined,
  },
};
