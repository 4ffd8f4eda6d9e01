// `vimana dev`: serves a project's components behind one gateway port, and with `watch`,
// rebuilds what a saved file changes and swaps the new version in atomically. A version that
// fails to build or load leaves the previous one serving.
import { relative, resolve } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { ComponentHost } from "../../runtime/host/index.ts";
import { ArtifactBuilder, inputsOf } from "./artifacts.ts";
import { type Gateway, type RequestLine, startGateway } from "./gateway.ts";
import { progressTicker } from "./progress.ts";
import { type ComponentSpec, componentKey, loadProject, type Project } from "./project.ts";
import { RoutingTable } from "./routing.ts";
import { describeTable } from "./table.ts";
import { LiveVersion } from "./version.ts";

export interface DevOptions {
  /** The project's YAML file. */
  project: string;
  host?: string;
  port?: number;
  /** Rebuild and swap on change (default true); false is `--once`. */
  watch?: boolean;
  /** One line per call (default true). */
  requestLog?: boolean;
  /** Where transpiled components are cached. */
  cacheDir: string;
  out(line: string): void;
  err(line: string): void;
}

export interface DevServer {
  readonly host: string;
  readonly port: number;
  /** Resolves once every change seen so far has been applied (or has failed). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** A version that failed to build at startup with `--once`, or at all without `watch`. */
export class DevError extends Error {
  override name = "DevError";
}

/** Loads the project, builds and serves every component; throws a ProjectError or DevError. */
export async function startDev(options: DevOptions): Promise<DevServer> {
  const dev = new Dev(options, await loadProject(options.project));
  await dev.start();
  return dev;
}

class Dev implements DevServer {
  readonly #options: DevOptions;
  readonly #file: string;
  readonly #host: ComponentHost;
  readonly #builder: ArtifactBuilder;
  #project: Project;
  readonly #live = new Map<string, LiveVersion>();
  /** Inputs each live version was built from, and its spec as text, to know what to rebuild. */
  readonly #built = new Map<string, string>();
  #table: RoutingTable | undefined;
  #gateway: Gateway | undefined;
  #watcher: FSWatcher | undefined;
  readonly #pending = new Set<string>();
  #running: Promise<void> = Promise.resolve();
  #generation = 0;
  #closed = false;
  /** Versions, and the project file, whose last build or load failed: fixed, they get a ✓. */
  readonly #broken = new Set<string>();
  /** The content digest of the inputs each live version was built from. */
  readonly #builtDigests = new Map<string, string>();
  /** The project file's problems as last printed, so a queued reload does not repeat them. */
  #reported: string | undefined;

  constructor(options: DevOptions, project: Project) {
    this.#options = options;
    this.#file = project.file;
    this.#project = project;
    this.#builder = new ArtifactBuilder(project.file, options.out);
    this.#host = new ComponentHost({
      cacheDir: options.cacheDir,
      log: (line) => options.out(`  ${line.pod} ${line.stream}: ${line.line}`),
    });
  }

  get host(): string {
    return this.#gateway?.host ?? "";
  }

  get port(): number {
    return this.#gateway?.port ?? 0;
  }

  async start(): Promise<void> {
    const { failures } = await this.#deploy(this.#project.components, new Set());
    if (failures.length > 0 && this.#options.watch === false) {
      await this.#retireAll();
      this.#builder.close();
      throw new DevError(failures.join("\n"));
    }
    const host = this.#options.host ?? "127.0.0.1";
    this.#table = new RoutingTable(this.#project, this.#live, host);
    const log = this.#options.requestLog !== false;
    try {
      this.#gateway = await startGateway({
        host,
        port: this.#options.port ?? 8080,
        table: () => this.#table as RoutingTable,
        onRequest: (line) => {
          if (log) this.#options.out(requestLine(line));
        },
      });
    } catch (error) {
      await this.#retireAll();
      this.#builder.close();
      throw new DevError((error as Error).message);
    }
    const address = `${this.host}:${this.port}`;
    this.#options.out(
      `vimana dev: ${this.#show(this.#file)} on ${address} (gRPC h2c and HTTP/1.1 JSON)`,
    );
    for (const line of describeTable(this.#table, address, process.cwd())) this.#options.out(line);
    if (this.#options.watch !== false) await this.#watch();
  }

  settled(): Promise<void> {
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#watcher?.close();
    await this.#running;
    await this.#gateway?.close();
    await this.#retireAll();
    this.#builder.close();
  }

  async #watch(): Promise<void> {
    this.#watcher = watch(this.#watchedPaths(), { ignoreInitial: true });
    this.#watcher.on("all", (event, path) => {
      if (event === "change" || event === "add") this.#changed(resolve(path));
    });
    this.#watcher.on("error", (error) => this.#options.err(`watch: ${(error as Error).message}`));
    await new Promise<void>((ready) => this.#watcher?.once("ready", ready));
  }

  #watchedPaths(): string[] {
    return [...new Set([this.#file, ...this.#project.components.flatMap(inputsOf)])];
  }

  #changed(path: string): void {
    if (this.#closed) return;
    const idle = this.#pending.size === 0;
    this.#pending.add(path);
    // Saves come in bursts (write, then chmod or a second write): one reload takes them all.
    if (idle) this.#running = this.#running.then(() => this.#reloadPending());
    // A reload may wait behind a long build: report a broken project file at once.
    if (path === this.#file) void this.#checkProject();
  }

  async #checkProject(): Promise<void> {
    try {
      await loadProject(this.#file);
    } catch (error) {
      this.#reportProject(error as Error);
    }
  }

  /** A project file's problems, once per distinct set of them. */
  #reportProject(error: Error): void {
    this.#broken.add(this.#file);
    if (this.#reported === error.message) return;
    this.#reported = error.message;
    this.#options.err(
      `✗ ${this.#show(this.#file)}: ${error.message}\n  (still serving the previous configuration)`,
    );
  }

  async #reloadPending(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const changed = new Set(this.#pending);
      this.#pending.clear();
      await this.#reload(changed).catch((error: unknown) =>
        this.#options.err(`reload failed: ${(error as Error).stack ?? error}`),
      );
    }
  }

  async #reload(changed: Set<string>): Promise<void> {
    const started = performance.now();
    const what = [...changed].map((p) => this.#show(p)).join(", ");
    let project = this.#project;
    const projectChanged = changed.has(this.#file);
    if (projectChanged) {
      try {
        project = await loadProject(this.#file);
      } catch (error) {
        this.#reportProject(error as Error);
        project = this.#project;
      }
      if (project !== this.#project) {
        this.#reported = undefined;
        if (this.#broken.delete(this.#file)) {
          this.#options.out(`✓ ${this.#show(this.#file)}: valid again`);
        }
      }
    }
    const stale: ComponentSpec[] = [];
    for (const spec of project.components) {
      const key = componentKey(spec);
      if (this.#built.get(key) !== JSON.stringify(spec)) stale.push(spec);
      else if (inputsOf(spec).some((p) => changed.has(p))) {
        // An editor's save is often two events; content already built is not built again.
        if ((await inputsDigest(spec)) !== this.#builtDigests.get(key)) stale.push(spec);
      }
    }
    const timings = { build: 0, swap: 0 };
    const { failures, replaced } = await this.#deploy(stale, changed, timings);
    const keep = new Set(project.components.map(componentKey));
    const removed = [...this.#live.keys()].filter((key) => !keep.has(key));
    const swapStart = performance.now();
    const retiring = [...replaced, ...removed.map((key) => this.#live.get(key) as LiveVersion)];
    for (const key of removed) {
      this.#live.delete(key);
      this.#built.delete(key);
      this.#builtDigests.delete(key);
    }
    const projectApplied = project !== this.#project;
    this.#project = project;
    this.#table = new RoutingTable(project, this.#live, this.host);
    timings.swap += performance.now() - swapStart;
    // The new table is in place: no call can pick these any more, and those they hold finish.
    for (const old of retiring) void old.retire();
    // New inputs (a version added, a `.proto` that now imports another) are watched from now on.
    this.#watcher?.add(this.#watchedPaths());
    const rebuilt = stale.length - failures.length;
    if (rebuilt > 0 || projectApplied) {
      const versions = stale.filter((s) => this.#built.get(componentKey(s)) === JSON.stringify(s));
      const names = versions.map((s) => `${s.server}@${s.version}`).join(", ") || "routes";
      this.#options.out(
        `↻ ${what}: ${names} swapped in (build ${ms(timings.build)}, swap ${ms(timings.swap)}, total ${ms(performance.now() - started)})`,
      );
    }
    if (projectApplied) {
      const address = `${this.host}:${this.port}`;
      for (const line of describeTable(this.#table, address, process.cwd()))
        this.#options.out(line);
    }
  }

  /**
   * Builds and starts `specs` and records each in place of its previous version, returned in
   * `replaced` for the caller to retire once the routing table no longer names it. A version
   * that fails keeps its previous one; `failures` holds the errors.
   */
  async #deploy(
    specs: readonly ComponentSpec[],
    changed: ReadonlySet<string>,
    timings = { build: 0, swap: 0 },
  ): Promise<{ failures: string[]; replaced: LiveVersion[] }> {
    const failures: string[] = [];
    const replaced: LiveVersion[] = [];
    const started = await Promise.all(
      specs.map(async (spec) => {
        const key = componentKey(spec);
        const buildStart = performance.now();
        // Read before the build reads them: a save during the build makes the next reload differ.
        const digest = await inputsDigest(spec);
        const progress = progressTicker(this.#options.out, `${spec.server}@${spec.version}`);
        try {
          const artifacts = await this.#builder.build(spec).finally(() => clearInterval(progress));
          const loadStart = performance.now();
          timings.build = Math.max(timings.build, loadStart - buildStart);
          const name = `${spec.server}@${spec.version}#${++this.#generation}`;
          const live = await LiveVersion.start(this.#host, spec, artifacts, name, (event) => {
            if (event.kind !== "request") this.#options.err(`  ${event.pod}: ${event.message}`);
          });
          timings.swap = Math.max(timings.swap, performance.now() - loadStart);
          if (this.#broken.delete(key)) this.#options.out(`✓ ${key}: builds and serves again`);
          return { spec, key, live, digest };
        } catch (error) {
          const message = (error as Error).message;
          const keeping = this.#live.has(key)
            ? "still serving the previous version"
            : "not serving";
          const cause = changed.size > 0 ? "" : `${spec.server}@${spec.version}: `;
          failures.push(`${key}: ${message}`);
          this.#broken.add(key);
          this.#options.err(`✗ ${cause}${message}\n  (${key}: ${keeping})`);
          return undefined;
        }
      }),
    );
    for (const done of started) {
      if (!done) continue;
      const old = this.#live.get(done.key);
      this.#live.set(done.key, done.live);
      this.#built.set(done.key, JSON.stringify(done.spec));
      this.#builtDigests.set(done.key, done.digest);
      if (old) replaced.push(old);
    }
    return { failures, replaced };
  }

  async #retireAll(): Promise<void> {
    const all = [...this.#live.values()];
    this.#live.clear();
    await Promise.all(all.map((live) => live.retire()));
  }

  #show(path: string): string {
    return relative(process.cwd(), path) || path;
  }
}

/** A digest of the content of every input file of `spec` (a missing file counts as empty). */
async function inputsDigest(spec: ComponentSpec): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  for (const path of inputsOf(spec)) {
    hash.update(`${path}\0`);
    const file = Bun.file(path);
    if (await file.exists()) hash.update(await file.bytes());
  }
  return hash.digest("hex");
}

function requestLine(line: RequestLine): string {
  const time = new Date().toISOString().slice(11, 23);
  const version = line.version ? ` → ${line.version}` : "";
  return `${time} ${line.protocol} ${line.host}${line.path}${version} ${line.status} ${line.ms.toFixed(1)} ms`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
