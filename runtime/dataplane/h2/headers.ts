// A request's header list checked against RFC 9113 §8.2-8.3 and turned into the object the
// handlers read: lowercase names, a repeated field's values joined with ", " (cookie with "; "),
// as node:http2 gave them.

/** Request headers by name; pseudo-headers (`:path`, …) included. */
export type RequestHeaders = Record<string, string>;

const REQUEST_PSEUDO = new Set([":method", ":scheme", ":path", ":authority"]);
const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
/** A field name: visible ASCII but uppercase letters (§8.2.1); `:` only to start a pseudo. */
const BAD_NAME = /[^\x21-\x39\x3b-\x40\x5b-\x7e]/;
/** NUL, CR and LF anywhere, or whitespace at either end (§8.2.1). */
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;

/**
 * The headers of a request's header list (flat: name, value, name, value…), or why it is
 * malformed (a stream error PROTOCOL_ERROR).
 */
export function requestHeaders(fields: readonly string[]): RequestHeaders | string {
  const headers: RequestHeaders = {};
  let regular = false;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    if (BAD_VALUE.test(value)) return `the value of ${name} has a forbidden character`;
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (regular) return `pseudo-header ${name} after a regular header`;
      if (!REQUEST_PSEUDO.has(name)) return `pseudo-header ${name} is not a request's`;
      if (headers[name] !== undefined) return `pseudo-header ${name} repeated`;
      headers[name] = value;
      continue;
    }
    regular = true;
    if (name.length === 0 || BAD_NAME.test(name)) return `header name ${JSON.stringify(name)}`;
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific header ${name}`;
    if (name === "te" && value !== "trailers") return `te: ${value} (only "trailers" is allowed)`;
    const before = headers[name];
    headers[name] =
      before === undefined ? value : `${before}${name === "cookie" ? "; " : ", "}${value}`;
  }
  const method = headers[":method"];
  if (method === undefined) return "no :method";
  if (method === "CONNECT") {
    if (headers[":scheme"] !== undefined || headers[":path"] !== undefined) {
      return "CONNECT with :scheme or :path";
    }
    if (headers[":authority"] === undefined) return "CONNECT without :authority";
  } else {
    if (headers[":scheme"] === undefined) return "no :scheme";
    if (!headers[":path"]) return "no :path, or an empty one";
  }
  const length = headers["content-length"];
  if (length !== undefined && !/^\d{1,15}$/.test(length)) return `content-length: ${length}`;
  return headers;
}

/** Why a trailer list is malformed, or undefined when it is fine. */
export function trailerProblem(fields: readonly string[]): string | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${name} in trailers`;
    if (name.length === 0 || BAD_NAME.test(name)) return `trailer name ${JSON.stringify(name)}`;
    if (BAD_VALUE.test(fields[i + 1] as string))
      return `the value of ${name} has a forbidden character`;
  }
  return undefined;
}

/** Response headers as a flat list for the encoder: names lowercased, values as strings. */
export function outgoingFields(
  headers: Readonly<Record<string, string | number | readonly string[] | undefined>>,
): string[] {
  const fields: string[] = [];
  // Pseudo-headers first (§8.3).
  const status = headers[":status"];
  if (status !== undefined) fields.push(":status", String(status));
  for (const name in headers) {
    if (name === ":status") continue;
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (typeof value === "object") for (const item of value) fields.push(lower, item);
    else fields.push(lower, String(value));
  }
  return fields;
}
