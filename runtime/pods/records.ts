// Durable pod records in `<state-dir>/pods/`: one file per pod (`<id>.json`, written atomically
// on every transition) and `next-id`, which keeps pod IDs from ever being handed out twice.
// Specs are stored whole and generically (bigint, Map and byte values tagged), so fields added
// to the CRI spec types later are kept without a change here.
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { formatPodName, type PodName, parsePodName } from "../../src/names/index.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { messageOf } from "./errors.ts";
import type { ContainerExit, ContainerSpec, PodState, SandboxSpec } from "./types.ts";

/** Written into every record; a record of another version is reported, not guessed at. */
export const RECORD_FORMAT = "vimanad.pod/v1";
/** IDs reserved per write of `next-id`: one flush per this many RunPodSandbox calls. */
const ID_BLOCK = 64n;
const RECORD_FILE = /^([0-9a-f]+)\.json$/;

/** What survives a restart of one pod. `address` is null while it is being allocated. */
export interface PodRecordData {
  readonly name: PodName;
  readonly state: PodState;
  readonly address: string | null;
  readonly addressHeld: boolean;
  readonly sandbox: SandboxSpec;
  readonly createdAt: bigint;
  readonly container?: {
    readonly spec: ContainerSpec;
    readonly createdAt: bigint;
    readonly startedAt: bigint;
    readonly imageDigest?: string;
    readonly exit?: ContainerExit;
  };
}

/** A file in the pods directory that could not be read as a record; the rest still load. */
export interface RecordProblem {
  readonly file: string;
  readonly message: string;
}

export interface LoadedRecords {
  readonly records: PodRecordData[];
  readonly problems: RecordProblem[];
}

export class RecordStore {
  readonly dir: string;
  #nextId = 0n;
  #reservedUpTo = 0n;
  #reserving: Promise<void> | undefined;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pods");
  }

  /** Reads every record and the ID counter; must run before `nextId`. */
  async load(): Promise<LoadedRecords> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const records: PodRecordData[] = [];
    const problems: RecordProblem[] = [];
    let highest = -1n;
    for (const entry of (await readdir(this.dir)).sort()) {
      const file = join(this.dir, entry);
      if (entry === "next-id") continue;
      if (entry.endsWith(".tmp")) {
        // A write a crash interrupted: the record it was replacing is still whole.
        await unlink(file).catch(() => {});
        continue;
      }
      const match = RECORD_FILE.exec(entry);
      if (match === null) {
        problems.push({ file, message: "not a pod record (expected <hex id>.json)" });
        continue;
      }
      const fileId = BigInt(`0x${match[1]}`);
      // Even an unreadable record's ID stays used.
      if (fileId > highest) highest = fileId;
      try {
        const record = decodeRecord(await readFile(file, "utf8"));
        if (record.name.id !== fileId) {
          throw new Error(`it holds pod ${formatPodName(record.name)}, not pod ${match[1]}`);
        }
        records.push(record);
      } catch (error) {
        problems.push({ file, message: messageOf(error) });
      }
    }
    const counterFile = join(this.dir, "next-id");
    const counter = await readFile(counterFile, "utf8").catch(() => undefined);
    let saved = 0n;
    if (counter !== undefined) {
      if (/^[0-9a-f]+\n?$/.test(counter)) saved = BigInt(`0x${counter.trim()}`);
      else problems.push({ file: counterFile, message: "not a hex pod ID" });
    }
    this.#nextId = saved > highest ? saved : highest + 1n;
    this.#reservedUpTo = this.#nextId;
    return { records, problems };
  }

  /** A pod ID never handed out before, by this process or an earlier one. */
  async nextId(): Promise<bigint> {
    while (this.#nextId >= this.#reservedUpTo) {
      this.#reserving ??= this.#reserve().finally(() => {
        this.#reserving = undefined;
      });
      await this.#reserving;
    }
    const id = this.#nextId;
    this.#nextId += 1n;
    return id;
  }

  async #reserve(): Promise<void> {
    const upTo = this.#nextId + ID_BLOCK;
    await writeFileAtomic(join(this.dir, "next-id"), `${upTo.toString(16)}\n`);
    this.#reservedUpTo = upTo;
  }

  write(record: PodRecordData): Promise<void> {
    return writeFileAtomic(this.#path(record.name), encodeRecord(record));
  }

  async delete(name: PodName): Promise<void> {
    await unlink(this.#path(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  #path(name: PodName): string {
    return join(this.dir, `${name.id.toString(16)}.json`);
  }
}

export function encodeRecord(record: PodRecordData): string {
  const { name, ...rest } = record;
  return `${JSON.stringify({ format: RECORD_FORMAT, pod: formatPodName(name), ...rest }, tag, 1)}\n`;
}

export function decodeRecord(text: string): PodRecordData {
  let value: unknown;
  try {
    value = JSON.parse(text, untag);
  } catch (error) {
    throw new Error(`not JSON: ${messageOf(error)}`);
  }
  const raw = value as Record<string, unknown> | null;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error("not a JSON object");
  }
  if (raw.format !== RECORD_FORMAT) {
    throw new Error(
      `format ${JSON.stringify(raw.format)}, expected ${JSON.stringify(RECORD_FORMAT)}`,
    );
  }
  const { format: _, pod, ...rest } = raw;
  if (typeof pod !== "string") throw new Error("no pod name");
  const name = parsePodName(pod);
  const record = { name, ...rest } as unknown as PodRecordData;
  if (!STATES.includes(record.state)) throw new Error(`unknown state ${String(record.state)}`);
  if (typeof record.createdAt !== "bigint" || typeof record.addressHeld !== "boolean") {
    throw new Error("createdAt or addressHeld missing");
  }
  if (record.address !== null && typeof record.address !== "string") {
    throw new Error("address is neither a string nor null");
  }
  return record;
}

const STATES: readonly PodState[] = [
  "Initiated",
  "Created",
  "Starting",
  "Running",
  "Stopped",
  "Removed",
  "Killed",
];

// JSON has no bigint, Map or bytes: each is written as a one-key object naming its type.
function tag(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (typeof original === "bigint") return { $bigint: original.toString() };
  if (original instanceof Map) return { $map: [...original] };
  if (original instanceof Uint8Array) return { $bytes: Buffer.from(original).toString("base64") };
  return value;
}

function untag(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const tagged = value as Record<string, unknown>;
  if (typeof tagged.$bigint === "string") return BigInt(tagged.$bigint);
  if (Array.isArray(tagged.$map)) return new Map(tagged.$map as [unknown, unknown][]);
  if (typeof tagged.$bytes === "string")
    return new Uint8Array(Buffer.from(tagged.$bytes, "base64"));
  return value;
}
