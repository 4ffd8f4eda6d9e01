// vimanad's log: one line per event on stdout, JSON (for collectors) or text (for people),
// each tagged with the component and pod it concerns (ref §1.10).
import { formatComponentName, formatPodId, type PodName } from "../../src/names/index.ts";

export type LogFormat = "json" | "text";
export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Receives each line without its newline (default: stdout). */
  write?: (line: string) => void;
}

/** The fields every pod-scoped event carries: the component's parts, and the pod in hex. */
export function podFields(pod: PodName): LogFields {
  return {
    component: formatComponentName(pod),
    domain: pod.domain,
    server: pod.server,
    version: pod.version,
    pod: formatPodId(pod.id),
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const format = options.format === "json" ? jsonLine : textLine;
  const log = (level: LogLevel, message: string, fields: LogFields = {}) =>
    write(format(new Date().toISOString(), level, message, fields));
  return {
    log,
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

function jsonLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  return JSON.stringify({ time, level, msg: message, ...fields });
}

function textLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${message}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    // Quoted when a reader could not otherwise tell where the value ends.
    line += ` ${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return line;
}
