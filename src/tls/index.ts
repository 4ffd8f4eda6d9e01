// Self-signed TLS: a root CA and the per-hostname Secrets the operator's Gateways refer to.
export {
  type SelfSignedOptions,
  type SelfSignedTls,
  selfSignedTls,
  type TlsSecret,
} from "./self-signed.ts";
