import { expect, test } from "bun:test";
import { componentName, formatComponentName, parseComponentName } from "./component.ts";
import { parseDomainUuid } from "./domain.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
const GOOD_SERVER = "some-server-id";
const GOOD_VERSION = "10.0.456-pre-release5";
const GOOD_COMPONENT = `${GOOD_DOMAIN}:${GOOD_SERVER}@${GOOD_VERSION}`;

test("a good component name parses and formats back", () => {
  const component = parseComponentName(GOOD_COMPONENT);
  expect<object>(component).toEqual({
    domain: GOOD_DOMAIN,
    server: GOOD_SERVER,
    version: GOOD_VERSION,
  });
  expect(formatComponentName(component)).toBe(GOOD_COMPONENT);
});

test.each([
  // No domain.
  `${GOOD_SERVER}@${GOOD_VERSION}`,
  // No version.
  `${GOOD_DOMAIN}:${GOOD_SERVER}`,
  GOOD_SERVER,
  // A pod ID is not part of a component name, even an empty one.
  `${GOOD_COMPONENT}#1`,
  `${GOOD_COMPONENT}#`,
  // `#` without `@` stays in the server, which then has no version.
  `${GOOD_DOMAIN}:${GOOD_SERVER}#1`,
  // Quoted as is, without escaping.
  `"${GOOD_SERVER}"\n`,
])("%p is not a component name", (full) => {
  expect(() => parseComponentName(full)).toThrow(nameError(`Invalid component name: "${full}"`));
});

test.each([
  // Domain first, then version, then server.
  ["bad:BAD@1.0.00", "Incorrect domain UUID length: 3"],
  [`${GOOD_DOMAIN}:BAD@1.0.00`, 'Invalid version: "1.0.00"'],
  [`${GOOD_DOMAIN}:BAD@1.0.0`, 'Invalid server ID: "BAD"'],
  [`:${GOOD_SERVER}@${GOOD_VERSION}`, "Incorrect domain UUID length: 0"],
  [`${GOOD_DOMAIN}:${GOOD_SERVER}@`, 'Invalid version: ""'],
  [`${GOOD_DOMAIN}:@${GOOD_VERSION}`, 'Invalid server ID: ""'],
  [`${GOOD_DOMAIN}:${GOOD_SERVER}#1@${GOOD_VERSION}`, 'Invalid server ID: "some-server-id#1"'],
])("%p reports %p", (full, message) => {
  expect(() => parseComponentName(full)).toThrow(nameError(message));
});

test("componentName checks the version before the server", () => {
  const domain = parseDomainUuid(GOOD_DOMAIN);
  expect(() => componentName(domain, "BAD", "bad")).toThrow(nameError('Invalid version: "bad"'));
  expect(componentName(domain, GOOD_SERVER, GOOD_VERSION)).toEqual(
    parseComponentName(GOOD_COMPONENT),
  );
});

test("formatComponentName takes unvalidated strings", () => {
  expect(formatComponentName({ domain: "d", server: "s", version: "v" })).toBe("d:s@v");
});
