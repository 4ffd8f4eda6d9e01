import { expect, test } from "bun:test";
import {
  componentNameFromLabels,
  containerId,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  looksLikeVimanaId,
  parseContainerId,
  parsePodSandboxId,
  podSandboxId,
  RUNTIME_HANDLER,
} from "./cri.ts";
import { parsePodName } from "./pod.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
const GOOD_POD = `${GOOD_DOMAIN}:some-server-id@1.2.3#2a`;

test("constants match the original", () => {
  expect(RUNTIME_HANDLER).toBe("vimana-handler");
  expect([LABEL_DOMAIN, LABEL_SERVER, LABEL_VERSION]).toEqual([
    "vimana.host/domain",
    "vimana.host/server",
    "vimana.host/version",
  ]);
});

test("sandbox and container IDs are the pod name behind a prefix", () => {
  const pod = parsePodName(GOOD_POD);
  expect(podSandboxId(pod)).toBe(`p-${GOOD_POD}`);
  expect(containerId(pod)).toBe(`c-${GOOD_POD}`);
  expect(parsePodSandboxId(`p-${GOOD_POD}`)).toEqual(pod);
  expect(parseContainerId(`c-${GOOD_POD}`)).toEqual(pod);
});

test.each([
  // The prefix letter is checked.
  `c-${GOOD_POD}`,
  `x-${GOOD_POD}`,
  GOOD_POD,
  "p-",
  "",
  `p-${GOOD_DOMAIN}:some-server-id@1.2.3`,
  `p-${GOOD_POD}g`,
])("%p is not a pod sandbox ID", (id) => {
  expect(() => parsePodSandboxId(id)).toThrow(nameError("Invalid pod sandbox ID"));
});

test.each([`p-${GOOD_POD}`, `C-${GOOD_POD}`, "c-", `c-${GOOD_DOMAIN}:Bad@1.2.3#1`])(
  "%p is not a container ID",
  (id) => {
    expect(() => parseContainerId(id)).toThrow(nameError("Invalid container ID"));
  },
);

test("the underlying error is kept as the cause", () => {
  expect(() => parseContainerId(`c-${GOOD_DOMAIN}:Bad@1.2.3#1`)).toThrow(
    expect.objectContaining({ cause: nameError('Invalid server ID: "Bad"') }),
  );
});

test.each<[string, boolean]>([
  [`p-${GOOD_POD}`, true],
  [`c-${GOOD_POD}`, true],
  ["p-", true],
  ["c-anything", true],
  ["0123456789abcdef", false],
  ["P-x", false],
  ["p", false],
  ["", false],
])("looksLikeVimanaId(%p) is %p", (id, expected) => {
  expect(looksLikeVimanaId(id)).toBe(expected);
});

const GOOD_LABELS = {
  [LABEL_DOMAIN]: GOOD_DOMAIN,
  [LABEL_SERVER]: "some-server-id",
  [LABEL_VERSION]: "1.2.3",
  "other/label": "ignored",
};

test("the component name comes from the three labels", () => {
  expect<object>(componentNameFromLabels(GOOD_LABELS)).toEqual({
    domain: GOOD_DOMAIN,
    server: "some-server-id",
    version: "1.2.3",
  });
});

test.each<[string, Record<string, string>, string]>([
  ["no labels", {}, "Missing required domain label"],
  // The domain is validated before the other labels are looked up.
  ["a bad domain", { [LABEL_DOMAIN]: "short" }, "Incorrect domain UUID length: 5"],
  ["no server", { [LABEL_DOMAIN]: GOOD_DOMAIN }, "Missing required server label"],
  [
    "no version",
    { [LABEL_DOMAIN]: GOOD_DOMAIN, [LABEL_SERVER]: "BAD" },
    "Missing required version label",
  ],
  [
    "a bad server and version",
    { ...GOOD_LABELS, [LABEL_SERVER]: "BAD", [LABEL_VERSION]: "bad" },
    'Invalid version: "bad"',
  ],
  ["a bad server", { ...GOOD_LABELS, [LABEL_SERVER]: "BAD" }, 'Invalid server ID: "BAD"'],
])("componentNameFromLabels fails with %s", (_description, labels, message) => {
  expect(() => componentNameFromLabels(labels)).toThrow(nameError(message));
});
