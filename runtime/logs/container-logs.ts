// Component output in the files kubelet reads for `kubectl logs`: the path kubelet gave
// (sandbox log_directory + container log_path), one line per record in the CRI log format
// `<RFC3339Nano> <stdout|stderr> <F|P> <text>` (F: a whole line; P: a piece the next continues).
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/** One line of a component's output, as the host reports it. */
export interface OutputLine {
  /** The pod's name (`domain:server@version#id`). */
  readonly pod: string;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
  readonly partial?: boolean;
}

export interface ContainerLogsOptions {
  /** The log file of a pod's container, or undefined if kubelet gave none. */
  pathOf(pod: string): string | undefined;
  /** A write or open failed; the line is lost to the file (and should go somewhere else). */
  onError(pod: string, path: string, error: unknown): void;
}

interface OpenLog {
  readonly path: string;
  fd: number | undefined;
  pending: string[];
}

/** Opened lazily on a pod's first line, so pods recovered after a restart need no setup. */
export class ContainerLogs {
  readonly #options: ContainerLogsOptions;
  readonly #logs = new Map<string, OpenLog>();
  #flushing: ReturnType<typeof setImmediate> | undefined;

  constructor(options: ContainerLogsOptions) {
    this.#options = options;
  }

  /**
   * Queues a line for the pod's log file; false if the pod has none. Lines are written together
   * once the current call returns: a component printing in a loop costs one write, not many.
   */
  write(output: OutputLine): boolean {
    let log = this.#logs.get(output.pod);
    if (log === undefined) {
      const path = this.#options.pathOf(output.pod);
      if (path === undefined || path === "") return false;
      log = { path, fd: undefined, pending: [] };
      this.#logs.set(output.pod, log);
    }
    log.pending.push(criLogLine(new Date(), output));
    this.#flushing ??= setImmediate(() => this.flush());
    return true;
  }

  /** Writes every queued line now. */
  flush(): void {
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    for (const [pod, log] of this.#logs) {
      if (log.pending.length === 0) continue;
      const text = log.pending.join("");
      log.pending = [];
      try {
        log.fd ??= openLog(log.path);
        writeSync(log.fd, text);
      } catch (error) {
        this.#options.onError(pod, log.path, error);
      }
    }
  }

  /**
   * ReopenContainerLog: kubelet has rotated (renamed) the file; later lines go to a new one at
   * the same path. Throws if that cannot be opened, so kubelet can undo its rotation.
   */
  reopen(pod: string): void {
    this.flush();
    const log = this.#logs.get(pod);
    const path = log?.path ?? this.#options.pathOf(pod);
    if (path === undefined || path === "") {
      throw new Error(`pod ${pod} has no container log path to reopen`);
    }
    if (log?.fd !== undefined) closeSync(log.fd);
    this.#logs.set(pod, { path, fd: openLog(path), pending: [] });
  }

  /** Forgets a pod's file (its container was removed or recreated with another path). */
  close(pod: string): void {
    this.flush();
    const log = this.#logs.get(pod);
    if (log === undefined) return;
    this.#logs.delete(pod);
    if (log.fd !== undefined) closeSync(log.fd);
  }

  /** Shutdown: everything written, every file closed. */
  closeAll(): void {
    for (const pod of [...this.#logs.keys()]) this.close(pod);
  }
}

function openLog(path: string): number {
  // kubelet creates the directory; crictl users may not have.
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, "a", 0o640);
}

/** One record of the CRI log format, with its newline. */
export function criLogLine(time: Date, output: Omit<OutputLine, "pod">): string {
  return `${time.toISOString()} ${output.stream} ${output.partial ? "P" : "F"} ${output.line}\n`;
}

/** Where a container's log goes: kubelet's log_path is relative to the sandbox's directory. */
export function containerLogPath(logDirectory = "", logPath = ""): string {
  return logPath === "" ? "" : join(logDirectory, logPath);
}
