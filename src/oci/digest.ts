// Content digests as OCI writes them: `sha256:<64 lowercase hex digits>`.

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

/** Only sha256 is accepted: it is what every Vimana image uses, and what we can verify. */
export function isSha256Digest(value: unknown): value is string {
  return typeof value === "string" && SHA256_DIGEST.test(value);
}
