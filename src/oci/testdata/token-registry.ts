// A real docker-registry that demands bearer tokens (`auth.token`), and the token server it
// trusts: a Bun.serve endpoint that signs ES256 JWTs with a throwaway certificate. The shared
// registry fixture (runtime/tests/fixtures) takes no configuration, so this starts its own.
import { createPrivateKey, type KeyObject, sign, X509Certificate } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "../auth.ts";

const service = "vimana-test-registry";
const issuer = "vimana-test-token-issuer";
const readyTimeoutMs = 20_000;
const stopGraceMs = 5_000;

export interface ScopeRequest {
  readonly type: string;
  readonly name: string;
  /** Sorted: the registry lists actions in no fixed order. */
  readonly actions: string[];
}

export interface TokenRequest {
  /** The requested scopes, e.g. `repository:<domain>/<server>:pull,push`, parsed. */
  readonly scopes: ScopeRequest[];
  /** The user who asked, or undefined for an anonymous request. */
  readonly user: string | undefined;
}

export interface TokenRegistry {
  /** `127.0.0.1:<port>` of the registry. */
  readonly host: string;
  /** The token endpoint's URL, as the registry's challenges name it. */
  readonly realm: string;
  /** The only user who may push; anyone may pull. */
  readonly credentials: Credentials;
  /** Every request the token server answered with a token, in order. */
  readonly tokenRequests: TokenRequest[];
  log(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the pair. The registry also answers uploads with relative `Location` headers
 * (`http.relativeurls`), which pushes through it then have to resolve.
 */
export async function startTokenRegistry(): Promise<TokenRegistry> {
  const binary = Bun.which("docker-registry");
  if (binary === null) throw new Error("docker-registry is not installed (Debian docker-registry)");
  const dir = await mkdtemp(join(tmpdir(), "vimana-token-registry-"));
  const logPath = join(dir, "registry.log");
  const credentials = { username: "pusher", password: crypto.randomUUID() };
  const tokenRequests: TokenRequest[] = [];
  let tokens: ReturnType<typeof Bun.serve> | undefined;
  let registry: Bun.Subprocess | undefined;
  const killOnExit = () => registry?.kill("SIGKILL");

  const stop = async () => {
    process.off("exit", killOnExit);
    if (registry !== undefined && registry.exitCode === null && registry.signalCode === null) {
      registry.kill("SIGTERM");
      const escalate = setTimeout(() => registry?.kill("SIGKILL"), stopGraceMs);
      await registry.exited;
      clearTimeout(escalate);
    }
    await tokens?.stop(true);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const { key, certificate, certificatePath } = await createSigningCertificate(dir);
    tokens = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => answerTokenRequest(request, credentials, key, certificate, tokenRequests),
    });
    const realm = `http://127.0.0.1:${tokens.port}/token`;
    const configPath = join(dir, "config.yml");
    await Bun.write(configPath, registryConfig(join(dir, "storage"), realm, certificatePath));
    process.on("exit", killOnExit);
    // One descriptor for both streams, so neither overwrites the other's lines.
    const logFd = openSync(logPath, "w");
    try {
      registry = Bun.spawn([binary, "serve", configPath], {
        cwd: dir,
        env: registryEnv(),
        stdin: "ignore",
        stdout: logFd,
        stderr: logFd,
      });
    } finally {
      closeSync(logFd);
    }
    const host = await waitForListeningHost(registry, logPath);
    return { host, realm, credentials, tokenRequests, log: () => Bun.file(logPath).text(), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function registryConfig(storageDir: string, realm: string, certificatePath: string): string {
  const q = JSON.stringify; // a JSON string is a valid YAML double-quoted scalar
  return `version: 0.1
storage:
  filesystem:
    rootdirectory: ${q(storageDir)}
http:
  # Port 0: the registry logs the port it got, so no port can be taken before it binds.
  addr: "127.0.0.1:0"
  secret: ${q(crypto.randomUUID())}
  relativeurls: true
auth:
  token:
    realm: ${q(realm)}
    service: ${q(service)}
    issuer: ${q(issuer)}
    rootcertbundle: ${q(certificatePath)}
`;
}

// REGISTRY_* variables override the config file; a stray one must not reconfigure the registry.
function registryEnv(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("REGISTRY_")),
  );
}

async function waitForListeningHost(registry: Bun.Subprocess, logPath: string): Promise<string> {
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const log = await Bun.file(logPath).text();
    const host = /listening on (127\.0\.0\.1:\d+)/.exec(log)?.[1];
    if (host !== undefined) return host;
    if (registry.exitCode !== null || Date.now() > deadline) {
      throw new Error(`docker-registry with token auth did not start:\n${log}`);
    }
    await Bun.sleep(20);
  }
}

async function createSigningCertificate(dir: string) {
  const keyPath = join(dir, "token-key.pem");
  const certificatePath = join(dir, "token-cert.pem");
  const openssl = Bun.spawnSync(
    // biome-ignore format: one option per line would hide the command
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
     "-nodes", "-subj", `/CN=${issuer}`, "-days", "1", "-keyout", keyPath, "-out", certificatePath],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (!openssl.success) {
    throw new Error(`openssl could not create the token certificate: ${openssl.stderr}`);
  }
  const key = createPrivateKey(await Bun.file(keyPath).text());
  const certificate = new X509Certificate(await Bun.file(certificatePath).text());
  return { key, certificate, certificatePath };
}

/** Anyone gets `pull`; only the pusher, with the right password, gets more. */
function answerTokenRequest(
  request: Request,
  credentials: Credentials,
  key: KeyObject,
  certificate: X509Certificate,
  log: TokenRequest[],
): Response {
  const url = new URL(request.url);
  const user = basicUser(request.headers.get("authorization"), credentials);
  if (user === "rejected") return new Response("bad credentials", { status: 401 });
  const scopes = url.searchParams.getAll("scope").map((scope) => {
    const [type = "", name = "", actions = ""] = scope.split(":");
    return { type, name, actions: actions.split(",").sort() };
  });
  log.push({ scopes, user });
  const access = scopes.map(({ type, name, actions }) => ({
    type,
    name,
    actions: user ? actions : actions.filter((action) => action === "pull"),
  }));
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    // x5c: the registry checks the chain against its rootcertbundle.
    { typ: "JWT", alg: "ES256", x5c: [certificate.raw.toString("base64")] },
    {
      iss: issuer,
      sub: user ?? "",
      aud: url.searchParams.get("service"),
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: crypto.randomUUID(),
      access,
    },
    key,
  );
  return Response.json({ token, expires_in: 300 });
}

function basicUser(
  authorization: string | null,
  credentials: Credentials,
): string | "rejected" | undefined {
  if (authorization === null) return undefined;
  const expected = `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`;
  return authorization === expected ? credentials.username : "rejected";
}

function signJwt(header: object, claims: object, key: KeyObject): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(claims)}`;
  // JWS ES256 wants the raw r||s signature, not DER.
  const signature = sign("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${signature.toString("base64url")}`;
}
