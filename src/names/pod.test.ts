import { expect, test } from "bun:test";
import { parseComponentName } from "./component.ts";
import { formatPodId, formatPodName, parsePodId, parsePodName, podName } from "./pod.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
const GOOD_SERVER = "some-server-id";
const GOOD_VERSION = "10.0.456-pre-release5";
const GOOD_COMPONENT = `${GOOD_DOMAIN}:${GOOD_SERVER}@${GOOD_VERSION}`;

test.each<[string, bigint]>([
  ["1a2f", 0x1a2fn],
  ["abcdefff", 0xabcdefffn],
  ["0", 0n],
  ["ffffffffffffffff", 0xffffffffffffffffn],
])("pod ID %p is valid and formats back", (text, id) => {
  const name = `${GOOD_COMPONENT}#${text}`;
  const pod = parsePodName(name);
  expect<object>(pod).toEqual({
    domain: GOOD_DOMAIN,
    server: GOOD_SERVER,
    version: GOOD_VERSION,
    id,
  });
  expect(formatPodName(pod)).toBe(name);
});

test.each<[string, bigint, string]>([
  // Rust's parser also takes upper case, a leading `+` and leading zeros; display normalizes.
  ["ABCDEF", 0xabcdefn, "abcdef"],
  ["+1a", 0x1an, "1a"],
  ["00000000000000001", 1n, "1"],
  ["000a", 10n, "a"],
])("pod ID %p is accepted as %p", (text, id, formatted) => {
  expect(parsePodId(text)).toBe(id);
  expect(formatPodId(id)).toBe(formatted);
});

test.each(["abcdefg", "-1", "10000000000000000", "", "+", "++1", "0x1", " 1", "1 "])(
  "pod ID %p is invalid",
  (text) => {
    expect(() => parsePodId(text)).toThrow(nameError("Invalid pod ID"));
    const name = `${GOOD_COMPONENT}#${text}`;
    expect(() => parsePodName(name)).toThrow(nameError("Invalid pod ID"));
  },
);

test.each([
  GOOD_COMPONENT,
  `${GOOD_SERVER}@${GOOD_VERSION}#1`,
  `${GOOD_DOMAIN}:${GOOD_SERVER}#1`,
  `${GOOD_DOMAIN}:${GOOD_SERVER}`,
])("%p is not a pod name", (full) => {
  expect(() => parsePodName(full)).toThrow(nameError(`Invalid pod name: "${full}"`));
});

test.each([
  // The component is validated before the pod ID.
  [`${GOOD_DOMAIN}:BAD@bad#xyz`, 'Invalid version: "bad"'],
  [`${GOOD_DOMAIN}:BAD@1.0.0#xyz`, 'Invalid server ID: "BAD"'],
  [
    `${GOOD_DOMAIN.toUpperCase()}:BAD@bad#xyz`,
    `Invalid hex characters: "${GOOD_DOMAIN.toUpperCase()}"`,
  ],
])("%p reports %p", (full, message) => {
  expect(() => parsePodName(full)).toThrow(nameError(message));
});

test("podName keeps the ID within 64 bits", () => {
  const component = parseComponentName(GOOD_COMPONENT);
  expect(formatPodName(podName(component, 0x2an))).toBe(`${GOOD_COMPONENT}#2a`);
  expect(() => podName(component, -1n)).toThrow(nameError("Invalid pod ID"));
  expect(() => podName(component, 1n << 64n)).toThrow(nameError("Invalid pod ID"));
});
