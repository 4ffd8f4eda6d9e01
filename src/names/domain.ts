import type { Branded } from "./brand.ts";
import { debugQuote, NameError } from "./errors.ts";
import { hexifyBytes, unhexifyBytes } from "./hex.ts";

/** A domain's canonical ID: 32 lowercase hex digits (128 bits). */
export type DomainUuid = Branded<string, "DomainUuid">;

const UUID_LENGTH = 32;
const UUID_BYTES = UUID_LENGTH / 2;
const LOWER_HEX = /^[0-9a-f]*$/;

const encoder = new TextEncoder();

/** Validates a domain UUID. The string itself is kept: formatting reproduces it exactly. */
export function parseDomainUuid(text: string): DomainUuid {
  // The original counts UTF-8 bytes, not characters.
  const length = encoder.encode(text).length;
  if (length !== UUID_LENGTH) {
    throw new NameError(`Incorrect domain UUID length: ${length}`);
  }
  if (!LOWER_HEX.test(text)) {
    throw new NameError(`Invalid hex characters: ${debugQuote(text)}`);
  }
  return text as DomainUuid;
}

/** The 16 bytes a domain UUID stands for (nibble-little-endian: first digit = low nibble). */
export function domainUuidToBytes(uuid: DomainUuid): Uint8Array {
  return unhexifyBytes(uuid);
}

/** The domain UUID for 16 bytes. Inverse of {@link domainUuidToBytes}. */
export function domainUuidFromBytes(bytes: Uint8Array): DomainUuid {
  if (bytes.length !== UUID_BYTES) {
    throw new NameError(`Domain UUID must be ${UUID_BYTES} bytes, not ${bytes.length}`);
  }
  return hexifyBytes(bytes) as DomainUuid;
}
