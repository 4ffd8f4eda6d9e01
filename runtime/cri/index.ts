// CRI v1 for vimanad: the message definitions and a client (kubelet's side, used by tests), and
// the server: RuntimeService and ImageService, Vimana pods answered locally and every other call
// proxied to the downstream runtime byte for byte.
export { CriCallError, type CriCallOptions, type CriClient, createCriClient } from "./client.ts";
export { type CriMethod, type CriRpc, criMessage, criRpcs, type MessageCodec } from "./codec.ts";
export { Downstream, type DownstreamError, type RawAnswer } from "./downstream.ts";
export * from "./messages.ts";
export { criMethods } from "./methods.ts";
export { createCriServer } from "./server.ts";
export {
  type CallContext,
  type CriServiceOptions,
  criHandlers,
  type UnaryHandler,
} from "./service.ts";
