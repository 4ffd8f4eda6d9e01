import { expect, test } from "bun:test";
import { domainUuidFromBytes, domainUuidToBytes, parseDomainUuid } from "./domain.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
// Nibble-little-endian: each byte looks swapped next to the hex string.
const GOOD_DOMAIN_BYTES = Uint8Array.of(
  0x21,
  0x43,
  0x65,
  0x87,
  0x09,
  0xba,
  0xdc,
  0xfe,
  0xf0,
  0xe9,
  0x8d,
  0x7c,
  0x56,
  0xb4,
  0x23,
  0x1a,
);

test("a good domain parses to its 16 bytes", () => {
  const uuid = parseDomainUuid(GOOD_DOMAIN);
  expect<string>(uuid).toBe(GOOD_DOMAIN);
  expect(domainUuidToBytes(uuid)).toEqual(GOOD_DOMAIN_BYTES);
});

test("16 bytes format to the same domain", () => {
  expect<string>(domainUuidFromBytes(GOOD_DOMAIN_BYTES)).toBe(GOOD_DOMAIN);
});

test.each([
  ["1234567890abcdef1234567890abcde", "Incorrect domain UUID length: 31"],
  ["1234567890abcdef1234567890abcdef1", "Incorrect domain UUID length: 33"],
  ["", "Incorrect domain UUID length: 0"],
  // Length is counted in UTF-8 bytes: 31 characters, 32 bytes.
  ["é234567890abcdef1234567890abcde", 'Invalid hex characters: "é234567890abcdef1234567890abcde"'],
  [
    "1234567890ABCDEF1234567890ABCDEF",
    'Invalid hex characters: "1234567890ABCDEF1234567890ABCDEF"',
  ],
  [
    "1234567890abcdef1234567890abcdeg",
    'Invalid hex characters: "1234567890abcdef1234567890abcdeg"',
  ],
])("parseDomainUuid(%p) fails: %s", (text, message) => {
  expect(() => parseDomainUuid(text)).toThrow(nameError(message));
});

test("domainUuidFromBytes needs exactly 16 bytes", () => {
  expect(() => domainUuidFromBytes(new Uint8Array(15))).toThrow(
    nameError("Domain UUID must be 16 bytes, not 15"),
  );
});
