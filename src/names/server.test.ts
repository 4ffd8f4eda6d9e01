import { expect, test } from "bun:test";
import { parseComponentName } from "./component.ts";
import { parseDomainUuid } from "./domain.ts";
import { formatServerName, parseServerId, serverName } from "./server.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";
const GOOD_VERSION = "10.0.456-pre-release5";

test.each(["simple", "contains-dash", "ends-with-digit-1", "a", "a1", `a${"-".repeat(61)}b`])(
  "server ID %p is valid",
  (server) => {
    expect<string>(parseServerId(server)).toBe(server);
    const name = `${GOOD_DOMAIN}:${server}@${GOOD_VERSION}`;
    const component = parseComponentName(name);
    expect<object>(component).toEqual({ domain: GOOD_DOMAIN, server, version: GOOD_VERSION });
  },
);

test.each([
  "",
  "contains.period",
  "contains-Capital",
  "contains_underscore",
  "-starts-with-dash",
  "1-starts-with-digit",
  "ends-with-dash-",
  "this-server-name-would-be-too-long-due-to-being-over-sixty-three",
  "trailing-newline\n",
])("server ID %p is invalid", (server) => {
  const message = `Invalid server ID: ${JSON.stringify(server)}`;
  expect(() => parseServerId(server)).toThrow(nameError(message));
  const name = `${GOOD_DOMAIN}:${server}@${GOOD_VERSION}`;
  expect(() => parseComponentName(name)).toThrow(nameError(message));
});

test("a server name formats as domain:server", () => {
  const name = serverName(parseDomainUuid(GOOD_DOMAIN), "some-server-id");
  expect(formatServerName(name)).toBe(`${GOOD_DOMAIN}:some-server-id`);
});
