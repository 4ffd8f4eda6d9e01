// The kitchen sink's component: every method returns its request as it received it, so a round
// trip shows that values survive decoding, the component boundary and encoding unchanged.
export const echo = (_ctx, request) => request;
export const echoLegacy = (_ctx, request) => request;
export const ping = (_ctx, request) => request;
