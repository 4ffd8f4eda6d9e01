export { CriCallError, type CriCallOptions, type CriClient, createCriClient } from "./client.ts";
export type { CriMethod, MessageCodec } from "./codec.ts";
export type { VersionRequest, VersionResponse } from "./messages.ts";
export { criMethods } from "./methods.ts";
