// Registry token auth (the Docker/OCI "token" flow): a registry answers 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; the client asks the realm for a token
// for that service and scope (anonymously or with basic credentials) and retries with it.

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface BearerChallenge {
  readonly realm: string;
  readonly service?: string;
  readonly scope?: string;
}

const BEARER = /(?:^|,)\s*Bearer\s+/i;
// RFC 9110 auth-param: a token, `=`, then a token or a quoted string; params are comma-separated.
const PARAM =
  /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;

/** The Bearer challenge of a `WWW-Authenticate` header, or undefined if it has none. */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
  const bearer = header === null ? null : BEARER.exec(header);
  if (header === null || bearer === null) return undefined;
  const params = new Map<string, string>();
  // Params run until the end, or until the next challenge's scheme stops the pattern.
  PARAM.lastIndex = bearer.index + bearer[0].length;
  for (let match = PARAM.exec(header); match !== null; match = PARAM.exec(header)) {
    const [, name = "", quoted, bare = ""] = match;
    params.set(name.toLowerCase(), quoted === undefined ? bare : quoted.replace(/\\(.)/g, "$1"));
  }
  const realm = params.get("realm");
  if (realm === undefined || realm === "") return undefined;
  return { realm, service: params.get("service"), scope: params.get("scope") };
}

/** The token endpoint's URL for a challenge: the realm plus `service` and `scope`. */
export function tokenUrl(challenge: BearerChallenge): URL {
  const url = new URL(challenge.realm);
  if (challenge.service !== undefined) url.searchParams.append("service", challenge.service);
  if (challenge.scope !== undefined) url.searchParams.append("scope", challenge.scope);
  return url;
}

export function basicAuthorization(credentials: Credentials): string {
  const pair = `${credentials.username}:${credentials.password}`;
  return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
}

/** The token of a token endpoint's JSON answer: `token`, or OAuth2's `access_token`. */
export function tokenFromAnswer(body: Uint8Array): string {
  let answer: unknown;
  try {
    answer = JSON.parse(new TextDecoder().decode(body));
  } catch (cause) {
    throw new Error("token endpoint answered with invalid JSON", { cause });
  }
  if (typeof answer === "object" && answer !== null) {
    const { token, access_token } = answer as Record<string, unknown>;
    for (const candidate of [token, access_token]) {
      if (typeof candidate === "string" && candidate !== "") return candidate;
    }
  }
  throw new Error("token endpoint answered without a token");
}
