import { expect, test } from "bun:test";
import { formatComponentName, parseComponentName } from "./component.ts";
import { parseVersion } from "./version.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
const GOOD_SERVER = "some-server-id";

test.each([
  "1.0.0",
  "1.2.3-pre-release",
  "1.2.3-0",
  "1.2.3-123",
  "1.2.3-00a",
  "10.0.456-pre-release5",
  "0.0.0",
  "1.2.3--1",
  // Exactly 63 characters.
  `1.0.0-${"a".repeat(57)}`,
])("version %p is valid", (version) => {
  expect<string>(parseVersion(version)).toBe(version);
  const name = `${GOOD_DOMAIN}:${GOOD_SERVER}@${version}`;
  const component = parseComponentName(name);
  expect<object>(component).toEqual({ domain: GOOD_DOMAIN, server: GOOD_SERVER, version });
  expect(formatComponentName(component)).toBe(name);
});

test.each([
  "1.0.00",
  "01.0.0",
  "1.0",
  "1.2.3+build",
  "1.2.3-ends-dash-",
  "1.2.3-00",
  "1.2.3-01",
  // A pre-release is a single identifier: no dots.
  "1.2.3-alpha.1",
  "1.2.3-",
  "v1.2.3",
  "",
  // Matches the pattern but is longer than a label value may be.
  "1234567890.1234567890.1234567890-ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz",
  `1.0.0-${"a".repeat(58)}`,
])("version %p is invalid", (version) => {
  const message = `Invalid version: ${JSON.stringify(version)}`;
  expect(() => parseVersion(version)).toThrow(nameError(message));
  const name = `${GOOD_DOMAIN}:${GOOD_SERVER}@${version}`;
  expect(() => parseComponentName(name)).toThrow(nameError(message));
});
