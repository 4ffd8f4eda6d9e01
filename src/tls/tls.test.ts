import { afterAll, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tlsSecretName } from "../names/index.ts";
import { selfSignedTls } from "./index.ts";

const dir = await mkdtemp(join(tmpdir(), "vimana-tls-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

test("a Secret per hostname, signed by the root CA, named c-<sha224(host)>", async () => {
  const hosts = ["api.vimana.host", "00000000000000000000000000000001.app.vimana.host"];
  const tls = await selfSignedTls({ hostnames: hosts, namespace: "demo", dir });
  expect(tls.secrets.map((s) => s.metadata.name)).toEqual(hosts.map(tlsSecretName));
  expect(tls.secrets[0]?.metadata.name).toMatch(/^c-[0-9a-f]{56}$/);
  const secret = tls.secrets[0];
  if (secret === undefined) throw new Error("no secret");
  expect(secret.type).toBe("kubernetes.io/tls");
  const cert = join(dir, "leaf.crt");
  await writeFile(cert, Buffer.from(secret.data["tls.crt"], "base64"));
  const verify = Bun.spawnSync([
    "openssl",
    "verify",
    "-CAfile",
    tls.caCertPath,
    "-verify_hostname",
    hosts[0] as string,
    cert,
  ]);
  expect(verify.stdout.toString()).toContain("OK");
  // The CA is reused: a second run trusts the same root.
  const again = await selfSignedTls({ hostnames: [hosts[0] as string], namespace: "demo", dir });
  expect(again.caCert).toBe(tls.caCert);
});

test("a bad hostname is refused by name", async () => {
  await expect(selfSignedTls({ hostnames: ["Bad_Host"], namespace: "x", dir })).rejects.toThrow(
    '"Bad_Host"',
  );
});
