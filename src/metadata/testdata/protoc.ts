// Runs Debian's protoc (a test prerequisite) on metadata.proto: the original's tooling, so
// tests check the binary form against an independent implementation.
import { join } from "node:path";

const testdata = import.meta.dir;

function protoc(
  mode: "--encode" | "--decode",
  input: Uint8Array | string,
  message: string,
): Uint8Array<ArrayBuffer> {
  const result = Bun.spawnSync(
    ["protoc", `${mode}=work.runtime.${message}`, "-I", testdata, join(testdata, "metadata.proto")],
    { stdin: typeof input === "string" ? Buffer.from(input) : input },
  );
  if (!result.success) {
    throw new Error(`protoc ${mode} failed (${result.exitCode}): ${result.stderr.toString()}`);
  }
  return new Uint8Array(result.stdout);
}

/** Text format → binary, as the original built `adder.binpb` from `adder.txtpb`. */
export function protocEncode(text: string, message = "Metadata"): Uint8Array<ArrayBuffer> {
  return protoc("--encode", text, message);
}

/** Binary → text format. */
export function protocDecode(bytes: Uint8Array, message = "Metadata"): string {
  return new TextDecoder().decode(protoc("--decode", bytes, message));
}
