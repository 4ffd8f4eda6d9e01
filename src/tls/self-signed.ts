// Self-signed TLS for a cluster without a certificate authority of its own: one root CA and, per
// hostname, a `kubernetes.io/tls` Secret named as the operator's Gateway listeners refer to it
// (`c-<sha224(hostname)>`, src/names). Made with the openssl command.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tlsSecretName } from "../names/index.ts";

export interface TlsSecret {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly type: "kubernetes.io/tls";
  readonly metadata: { readonly name: string; readonly namespace: string };
  /** Base64 PEM, as Kubernetes stores it. */
  readonly data: { readonly "tls.crt": string; readonly "tls.key": string };
}

export interface SelfSignedTls {
  /** The root CA certificate (PEM) clients must trust. */
  readonly caCert: string;
  readonly caCertPath: string;
  /** One per hostname, in the order given. */
  readonly secrets: readonly TlsSecret[];
}

export interface SelfSignedOptions {
  readonly hostnames: readonly string[];
  /** Namespace of the Secrets: the Domain's. */
  readonly namespace: string;
  /** Where the CA and leaf keys are written; a CA already there is reused. */
  readonly dir: string;
  /** The `openssl` command (default: the one on PATH). */
  readonly openssl?: string;
}

const hostnamePattern =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

async function run(openssl: string, args: readonly string[], cwd: string): Promise<void> {
  const child = Bun.spawn([openssl, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0)
    throw new Error(`${openssl} ${args.join(" ")} failed (exit ${code}) in ${cwd}:\n${err}`);
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function ensureCa(openssl: string, dir: string): Promise<void> {
  if (await Bun.file(join(dir, "ca.crt")).exists()) return;
  await run(
    openssl,
    ["req", "-x509", ...ecKey, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650"].concat([
      "-subj",
      "/CN=Vimana self-signed root CA",
    ]),
    dir,
  );
}

async function leaf(openssl: string, dir: string, hostname: string, stem: string): Promise<void> {
  await run(
    openssl,
    [
      "req",
      "-new",
      ...ecKey,
      "-keyout",
      `${stem}.key`,
      "-out",
      `${stem}.csr`,
      "-subj",
      `/CN=${hostname}`,
    ],
    dir,
  );
  await writeFile(
    join(dir, `${stem}.ext`),
    `subjectAltName=DNS:${hostname}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await run(
    openssl,
    [
      "x509",
      "-req",
      "-in",
      `${stem}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
    ].concat(["-days", "825", "-out", `${stem}.crt`, "-extfile", `${stem}.ext`]),
    dir,
  );
}

/** Makes (or reuses) the root CA under `dir` and a signed certificate + Secret per hostname. */
export async function selfSignedTls(options: SelfSignedOptions): Promise<SelfSignedTls> {
  const openssl = options.openssl ?? "openssl";
  for (const hostname of options.hostnames) {
    if (!hostnamePattern.test(hostname))
      throw new Error(`not a DNS hostname: ${JSON.stringify(hostname)}`);
  }
  await mkdir(options.dir, { recursive: true });
  await ensureCa(openssl, options.dir);
  const secrets: TlsSecret[] = [];
  for (const hostname of options.hostnames) {
    const name = tlsSecretName(hostname);
    await leaf(openssl, options.dir, hostname, name);
    const base64 = async (file: string) =>
      (await readFile(join(options.dir, file))).toString("base64");
    secrets.push({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name, namespace: options.namespace },
      data: { "tls.crt": await base64(`${name}.crt`), "tls.key": await base64(`${name}.key`) },
    });
  }
  const caCertPath = join(options.dir, "ca.crt");
  return { caCert: await readFile(caCertPath, "utf8"), caCertPath, secrets };
}
