// Runs component builds on a worker thread, so the dev server's thread keeps answering calls
// while jco, clang or componentize-js work (a JS build holds its thread for seconds).
import { buildComponent, type ComponentSource } from "../build/index.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ id: number; spec: ComponentSource }>) => {
  const { id, spec } = event.data;
  try {
    const bytes = await buildComponent(spec);
    self.postMessage({ id, ok: true, bytes });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    self.postMessage({ id, ok: false, message });
  }
};
