// The image store: pulled Vimana images on disk (ref §3.3), for PullImage, ImageStatus,
// RemoveImage and ImageFsInfo, and for the pods made from them.
export {
  type ImageContents,
  ImageStore,
  type ImageStoreOptions,
  type PullImage,
  type StoredImage,
} from "./store.ts";
export type { FilesystemUsage } from "./usage.ts";
