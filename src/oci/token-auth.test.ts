// Registry token auth against a real docker-registry configured with `auth.token`.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { formatImageReference, imageRepository } from "../names/index.ts";
import { pullVimanaImage } from "./pull.ts";
import { pushVimanaImage } from "./push.ts";
import {
  blobGets,
  exampleLayers,
  type Layers,
  randomComponentName,
  recordingFetch,
} from "./testdata/images.ts";
import { startTokenRegistry, type TokenRegistry } from "./testdata/token-registry.ts";

let registry: TokenRegistry;
let adder: Layers;

beforeAll(async () => {
  [registry, adder] = await Promise.all([startTokenRegistry(), exampleLayers("adder-wat")]);
});
afterAll(() => registry?.stop());
beforeEach(() => {
  registry.tokenRequests.length = 0;
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const repositoryScope = (name: string, ...actions: string[]) => ({
  type: "repository",
  name,
  actions,
});

/** Runs `body`; on failure appends the registry's log, as withServiceLogs does for fixtures. */
async function withRegistryLog(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Error) error.message += `\n--- registry log ---\n${await registry.log()}`;
    throw error;
  }
}

test("the registry demands a token: without one, a manifest GET is refused", async () => {
  const repository = imageRepository(randomComponentName());
  const response = await fetch(`http://${registry.host}/v2/${repository}/manifests/1.0.0`);
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toStartWith("Bearer realm=");
});

test("push with credentials, then pull anonymously: byte-identical, one token each", () =>
  withRegistryLog(async () => {
    const component = randomComponentName();
    const repository = imageRepository(component);
    const pushing = recordingFetch();
    const pushed = await pushVimanaImage({
      registry: registry.host,
      component,
      insecure: true,
      credentials: registry.credentials,
      componentBytes: adder.component,
      metadataBytes: adder.metadata,
      fetch: pushing.fetch,
    });
    expect(registry.tokenRequests.splice(0)).toEqual([
      {
        scopes: [repositoryScope(repository, "pull", "push")],
        user: registry.credentials.username,
      },
    ]);
    // The first POST is refused and retried with the token; the token then serves the rest.
    expect(pushing.requests.map((r) => r.method)).toEqual([
      "POST",
      "GET",
      "POST",
      "PUT",
      "POST",
      "PUT",
      "POST",
      "PUT",
      "PUT",
    ]);

    const pulling = recordingFetch();
    const pulled = await pullVimanaImage({
      registry: registry.host,
      component,
      insecure: true,
      fetch: pulling.fetch,
    });
    expect(registry.tokenRequests.splice(0)).toEqual([
      { scopes: [repositoryScope(repository, "pull")], user: undefined },
    ]);
    const manifestUrl = `http://${registry.host}/v2/${repository}/manifests/1.0.0`;
    const [refused, token, granted] = pulling.requests.map((r) => r.url);
    expect([refused, granted]).toEqual([manifestUrl, manifestUrl]);
    expect(token).toStartWith(`${registry.realm}?`);
    expect(blobGets(pulling.requests.slice(3))).toBe(3);
    expect(pulling.requests).toHaveLength(6);
    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.component).toEqual(adder.component);
    expect(pulled.metadata).toEqual(adder.metadata);
  }));

test("the upload Location is relative here: it is resolved against the registry", () =>
  withRegistryLog(async () => {
    const component = randomComponentName();
    const { fetch, requests } = recordingFetch();
    await pushVimanaImage({
      registry: registry.host,
      component,
      insecure: true,
      credentials: registry.credentials,
      componentBytes: adder.component,
      metadataBytes: adder.metadata,
      fetch,
    });
    const opened = requests.filter((r) => r.method === "POST" && r.location);
    const uploads = requests.filter((r) => r.method === "PUT" && r.url.includes("/uploads/"));
    expect(opened).toHaveLength(3);
    expect(uploads).toHaveLength(3);
    for (const [index, { location }] of opened.entries()) {
      expect(location).toStartWith(`/v2/${imageRepository(component)}/blobs/uploads/`);
      const put = new URL(uploads[index]?.url ?? "");
      expect(`${put.pathname}`).toBe(new URL(location ?? "", "http://x").pathname);
      expect(put.origin).toBe(`http://${registry.host}`);
      expect(put.searchParams.get("_state")).toBeTruthy();
      expect(put.searchParams.get("digest")).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  }));

test("an anonymous push gets a pull-only token and is refused with the registry's reason", () =>
  withRegistryLog(async () => {
    const component = randomComponentName();
    const push = pushVimanaImage({
      registry: registry.host,
      component,
      insecure: true,
      componentBytes: adder.component,
      metadataBytes: adder.metadata,
    });
    await expect(push).rejects.toThrow(
      `Pushing ${formatImageReference({ registry: registry.host, component })}: Failed starting the component upload ` +
        `POST http://${registry.host}/v2/${imageRepository(component)}/blobs/uploads/: Got HTTP 401 (UNAUTHORIZED: authentication required)`,
    );
    expect(registry.tokenRequests.splice(0)).toEqual([
      { scopes: [repositoryScope(imageRepository(component), "pull", "push")], user: undefined },
    ]);
  }));

test("a wrong password: the token endpoint's refusal is the error", () =>
  withRegistryLog(async () => {
    const component = randomComponentName();
    const push = pushVimanaImage({
      registry: registry.host,
      component,
      insecure: true,
      credentials: { username: registry.credentials.username, password: "wrong" },
      componentBytes: adder.component,
      metadataBytes: adder.metadata,
    });
    const scope = encodeURIComponent(`repository:${imageRepository(component)}:`);
    const image = formatImageReference({ registry: registry.host, component });
    // The registry names the actions in no fixed order.
    const message = new RegExp(
      `^${escapeRegExp(`Pushing ${image}: token request GET ${registry.realm}?service=vimana-test-registry&scope=${scope}`)}` +
        `(pull%2Cpush|push%2Cpull)${escapeRegExp(' (user "pusher"): Got HTTP 401')}$`,
    );
    await expect(push).rejects.toThrow(message);
    expect(registry.tokenRequests).toEqual([]);
  }));
