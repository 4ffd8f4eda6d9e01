import { createHash } from "node:crypto";

// Kubernetes object names derived from arbitrary text: a letter for the kind, then the
// SHA-224 of the text (56 hex digits), which fits the 63-character name limit.
function hashedName(letter: string, text: string): string {
  return `${letter}-${createHash("sha224").update(text).digest("hex")}`;
}

/** Deployment of a component; `component` is `domain:server@version`. */
export function deploymentName(component: string): string {
  return hashedName("d", component);
}

/** Service of a component; `component` is `domain:server@version`. */
export function serviceName(component: string): string {
  return hashedName("s", component);
}

/** Gateway listener for one hostname. */
export function listenerName(hostname: string): string {
  return hashedName("l", hostname);
}

/** TLS Secret holding the certificate of one hostname. */
export function tlsSecretName(hostname: string): string {
  return hashedName("c", hostname);
}

export function gatewayName(vimanaName: string): string {
  return `${vimanaName}-gateway`;
}

/** The hostname every domain gets, besides its aliases. */
export function canonicalDomain(domainId: string): string {
  return `${domainId}.app.vimana.host`;
}
