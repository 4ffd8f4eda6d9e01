// `vimana push --registry URL --domain ID --server ID --version V --component FILE --metadata FILE`
import { readFile } from "node:fs/promises";
import {
  type ComponentName,
  formatComponentName,
  formatImageReference,
  NameError,
  parseDomainUuid,
  parseServerId,
  parseVersion,
} from "../names/index.ts";
import { type Credentials, OciError, type PushProgress, pushVimanaImage } from "../oci/index.ts";
import { type Command, EXIT_FAILURE, type Io, strictArgs, UsageError } from "./command.ts";

/** Read only with `--username`: a password on the command line would land in shell history. */
export const PASSWORD_ENV = "VIMANA_REGISTRY_PASSWORD";

const help = `Usage: vimana push --registry URL --domain ID --server ID --version V
                   --component FILE --metadata FILE [--insecure] [--username USER]

Pushes a component and its Metadata to a registry as the Vimana image of
<domain>:<server>@<version> (docs/images.md), then prints the image reference
to put in a pod spec: <registry>/<domain>/<server>:<version>.

Options:
  --registry URL     the registry: http://HOST[:PORT] (plain HTTP),
                     https://HOST[:PORT], or HOST[:PORT] (HTTPS unless --insecure)
  --insecure         speak plain HTTP to a registry given as HOST[:PORT]
  --domain ID        the domain's UUID: 32 lowercase hex digits
  --server ID        the server ID, e.g. adder
  --version V        the version, e.g. 1.0.0: the image's tag
  --component FILE   the WebAssembly component (.wasm)
  --metadata FILE    its binary Metadata (.binpb, as \`vimana compile\` writes)
  --username USER    log in to the registry's token service as USER, with the
                     password in $${PASSWORD_ENV} (never on the command line)
  -h, --help         show this help`;

export const pushCommand: Command = {
  name: "push",
  summary: "push a component and its Metadata to a registry as an image",
  help,
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const registryArg = required(values.registry, "--registry URL");
    const component = componentFromOptions(
      required(values.domain, "--domain ID"),
      required(values.server, "--server ID"),
      required(values.version, "--version V"),
    );
    const componentFile = required(values.component, "--component FILE");
    const metadataFile = required(values.metadata, "--metadata FILE");
    const { registry, insecure } = parseRegistry(registryArg, values.insecure ?? false);
    const credentials = credentialsFromOptions(values.username);

    const componentBytes = await readInput(componentFile, "component", io);
    const metadataBytes = await readInput(metadataFile, "Metadata", io);
    if (componentBytes === undefined || metadataBytes === undefined) return EXIT_FAILURE;

    const name = formatComponentName(component);
    io.out(`Pushing ${name} to ${insecure ? "http" : "https"}://${registry}`);
    try {
      await pushVimanaImage({
        registry,
        component,
        insecure,
        credentials,
        componentBytes,
        metadataBytes,
        onProgress: (progress) => io.out(describeProgress(progress)),
      });
    } catch (error) {
      if (!(error instanceof OciError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
    io.out(`Pushed ${name}`);
    // Last, alone on its line: what a pod spec's `image` takes.
    io.out(formatImageReference({ registry, component }));
    return 0;
  },
};

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new UsageError(`${option} is required`);
  return value;
}

/** Each name checked on its own, in option order, so the error is about the option named. */
function componentFromOptions(domain: string, server: string, version: string): ComponentName {
  try {
    return {
      domain: parseDomainUuid(domain),
      server: parseServerId(server),
      version: parseVersion(version),
    };
  } catch (error) {
    if (!(error instanceof NameError)) throw error;
    throw new UsageError(error.message);
  }
}

/**
 * `http://HOST[:PORT]` or `https://HOST[:PORT]` (the scheme decides), or a bare `HOST[:PORT]`
 * (HTTPS unless `--insecure`). An image reference has no room for a path, so none is allowed.
 */
export function parseRegistry(
  text: string,
  insecureFlag: boolean,
): { registry: string; insecure: boolean } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    throw new UsageError(`--registry must be http://, https:// or HOST[:PORT], not "${text}"`);
  }
  if (scheme === "https" && insecureFlag) {
    throw new UsageError(`--insecure contradicts the https:// of --registry "${text}"`);
  }
  const insecure = scheme === undefined ? insecureFlag : scheme === "http";
  // Parsed with the scheme it will be spoken with, so a default port is dropped only when it is
  // that scheme's: `--insecure HOST:443` stays `HOST:443`.
  let url: URL;
  try {
    url = new URL(scheme === undefined ? `${insecure ? "http" : "https"}://${text}` : text);
  } catch {
    throw new UsageError(`--registry is not a registry URL: "${text}"`);
  }
  if (url.username !== "" || url.password !== "") {
    // Not quoted: the text holds a password.
    throw new UsageError(
      `--registry must not hold credentials: use --username and $${PASSWORD_ENV}`,
    );
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[?#]/.test(text)) {
    throw new UsageError(`--registry must be a host and port, without a path: "${text}"`);
  }
  return { registry: url.host, insecure };
}

function credentialsFromOptions(username: string | undefined): Credentials | undefined {
  if (username === undefined) return undefined;
  const password = process.env[PASSWORD_ENV];
  if (password === undefined || password === "") {
    throw new UsageError(`--username ${username} needs the password in $${PASSWORD_ENV}`);
  }
  return { username, password };
}

/** The file's bytes, or undefined once the reason it cannot be read is reported. */
async function readInput(path: string, what: string, io: Io): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    io.err(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

function describeProgress({ step, digest, size }: PushProgress): string {
  return `  uploaded ${step.padEnd(9)} ${digest} (${size} bytes)`;
}

function parse(args: string[]) {
  return strictArgs(args, {
    registry: { type: "string" },
    insecure: { type: "boolean" },
    domain: { type: "string" },
    server: { type: "string" },
    version: { type: "string" },
    component: { type: "string" },
    metadata: { type: "string" },
    username: { type: "string" },
  });
}
