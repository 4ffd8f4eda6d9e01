// Zero-downtime takeover of one vimanad by another (issue #13): the protocol between the two,
// the CRI socket as a descriptor that can be passed on, the gate that holds CRI calls during the
// swap, and copying listening sockets between processes. docs/vimanad.md describes it.
export { type CriListener, listenCri } from "./cri-listener.ts";
export { copyFds } from "./fds.ts";
export { CriGate, type Forward } from "./gate.ts";
export {
  type OfferHandlers,
  offerTakeover,
  type Quiesced,
  requestTakeover,
  type Takeover,
} from "./protocol.ts";
