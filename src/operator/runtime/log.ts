// One line per message on standard error: time, level, text (the text names the object).

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function consoleLogger(prefix = ""): Logger {
  const line = (level: string, message: string) =>
    process.stderr.write(`${new Date().toISOString()} ${level} ${prefix}${message}\n`);
  return {
    info: (message) => line("INFO", message),
    warn: (message) => line("WARN", message),
    error: (message) => line("ERROR", message),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
