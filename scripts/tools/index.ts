// Pinned command-line tools in .bin/: the catalog, the installer and the versions file.
export { findTool, type Platform, type Source, type Tool, tools } from "./catalog.ts";
export {
  ChecksumMismatch,
  currentPlatform,
  type InstallOptions,
  installTool,
  isInstalled,
} from "./install.ts";
export { releaseChecksums, toolVersions } from "./versions.ts";
