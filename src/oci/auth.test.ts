import { expect, test } from "bun:test";
import { parseBearerChallenge, tokenFromAnswer, tokenUrl } from "./auth.ts";

test.each([
  [
    "docker-registry's challenge",
    'Bearer realm="http://127.0.0.1:5001/token",service="registry",scope="repository:d/s:pull,push"',
    {
      realm: "http://127.0.0.1:5001/token",
      service: "registry",
      scope: "repository:d/s:pull,push",
    },
  ],
  [
    "a challenge without scope (GET /v2/)",
    'Bearer realm="https://auth.example.com/token",service="registry.example.com"',
    { realm: "https://auth.example.com/token", service: "registry.example.com" },
  ],
  [
    "lowercase scheme, spaces and bare tokens",
    "bearer  realm = https://auth.example.com/token , service=reg",
    { realm: "https://auth.example.com/token", service: "reg" },
  ],
  [
    "escaped quotes and an error param",
    'Bearer realm="https://a/t",error="insufficient_scope",scope="x:\\"y\\":pull"',
    { realm: "https://a/t", scope: 'x:"y":pull' },
  ],
  [
    "a Basic challenge before it",
    'Basic realm="Registry Realm", Bearer realm="https://a/t",service="s"',
    { realm: "https://a/t", service: "s" },
  ],
  [
    "a Basic challenge after it",
    'Bearer realm="https://a/t",service="s", Basic realm="Registry Realm"',
    { realm: "https://a/t", service: "s" },
  ],
])("parses %s", (_, header, expected) => {
  expect(parseBearerChallenge(header)).toEqual({
    service: undefined,
    scope: undefined,
    ...expected,
  });
});

test.each([
  ["no header", null],
  ["a Basic challenge", 'Basic realm="Registry Realm"'],
  ["a Bearer challenge without realm", 'Bearer service="s"'],
  ["an empty realm", 'Bearer realm=""'],
])("finds no Bearer challenge in %s", (_, header) => {
  expect(parseBearerChallenge(header)).toBeUndefined();
});

test("the token URL keeps the realm's own query and adds service and scope", () => {
  const url = tokenUrl({ realm: "https://a/token?client=x", service: "s", scope: "repo:d/s:pull" });
  expect(url.href).toBe("https://a/token?client=x&service=s&scope=repo%3Ad%2Fs%3Apull");
  expect(tokenUrl({ realm: "https://a/token" }).href).toBe("https://a/token");
});

test("the token is `token`, or OAuth2's `access_token`", () => {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  expect(tokenFromAnswer(json({ token: "t1", access_token: "t2" }))).toBe("t1");
  expect(tokenFromAnswer(json({ access_token: "t2", expires_in: 60 }))).toBe("t2");
  expect(() => tokenFromAnswer(json({ token: "" }))).toThrow(
    "token endpoint answered without a token",
  );
  expect(() => tokenFromAnswer(new TextEncoder().encode("<html>"))).toThrow(
    "token endpoint answered with invalid JSON",
  );
});
