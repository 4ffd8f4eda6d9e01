import { criMethod } from "./codec.ts";
import type { VersionRequest, VersionResponse } from "./messages.ts";

/**
 * Every CRI method vimanad speaks. To add one: copy the rpc and its messages from the reference
 * proto into api.proto, write the message shapes in messages.ts, and add a row here.
 */
export const criMethods = {
  Version: criMethod<VersionRequest, VersionResponse>("RuntimeService", "Version"),
};
