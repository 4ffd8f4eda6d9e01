import { expect, test } from "bun:test";
import {
  canonicalDomain,
  deploymentName,
  gatewayName,
  listenerName,
  serviceName,
  tlsSecretName,
} from "./resources.ts";

// Digests computed independently (Python hashlib).
const COMPONENT = "1234567890abcdef0f9ed8c7654b32a1:some-server-id@10.0.456-pre-release5";
const COMPONENT_SHA224 = "fbc1195258ad3ca0e6371de98ad274d8a6e8c1e8d1d59bb994693591";
const HOST = "1234567890abcdef0f9ed8c7654b32a1.app.vimana.host";
const HOST_SHA224 = "46ffd49f74df100bdd0c8f647c441a007b97d22b751022c47a25628d";

test("component resources are named by the SHA-224 of the component name", () => {
  expect(deploymentName(COMPONENT)).toBe(`d-${COMPONENT_SHA224}`);
  expect(serviceName(COMPONENT)).toBe(`s-${COMPONENT_SHA224}`);
  expect(serviceName("abc")).toBe("s-23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
});

test("hostname resources are named by the SHA-224 of the hostname", () => {
  expect(canonicalDomain("1234567890abcdef0f9ed8c7654b32a1")).toBe(HOST);
  expect(listenerName(HOST)).toBe(`l-${HOST_SHA224}`);
  expect(tlsSecretName(HOST)).toBe(`c-${HOST_SHA224}`);
  expect(listenerName(HOST)).toHaveLength(58);
});

test("the gateway is named after its Vimana", () => {
  expect(gatewayName("the-vimana")).toBe("the-vimana-gateway");
});
