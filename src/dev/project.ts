// A dev project: the Domain, Server and Component resources a cluster would be given (ref §7.1,
// the shape of e2e/mvp.yaml), read from one YAML file. In dev a Component's `image` is a local
// source (`.wat`, `.c`, `.js` with `wit` + `world`) or a built `.wasm`, and `proto` names the
// `.proto` its Metadata is compiled from. Every problem is reported with its file:line.
import { statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { type Document, isMap, isNode, LineCounter, parseAllDocuments } from "yaml";
import type { ReflectionPolicy } from "../../runtime/dataplane/index.ts";
import { canonicalDomain, parseDomainUuid, parseServerId, parseVersion } from "../names/index.ts";
import { closest } from "../suggest/index.ts";

export interface DomainSpec {
  name: string;
  id: string;
  /** `<id>.app.vimana.host`. */
  canonical: string;
  aliases: string[];
  /** `spec.grpc.reflection`: which services gRPC server reflection describes. */
  reflection: ReflectionPolicy;
}

export interface ServerSpec {
  name: string;
  id: string;
  /** The Domain's id. */
  domain: string;
  services: string[];
  /** Version → weight, in the file's order. */
  versionWeights: Map<string, number>;
}

export type SourceLanguage = "wat" | "c" | "js";

export interface ComponentSpec {
  name: string;
  domain: string;
  server: string;
  version: string;
  /** Absolute path of the local image: a source file or a built `.wasm`. */
  image: string;
  /** Absent for a built `.wasm`. */
  language?: SourceLanguage;
  /** Absolute paths; the `.proto` whose services the component serves. */
  proto: string;
  /**
   * The WIT file and world a source implements. Without `wit`, the world is compiled from
   * `proto` with typed errors (`result<response, status>`), as `vimana build` does.
   */
  wit?: string;
  world?: string;
  /** More C sources (bindings) compiled with `image`, and headers the build reads. */
  sources: string[];
  headers: string[];
}

export interface Project {
  /** Absolute path of the YAML file. */
  file: string;
  domains: DomainSpec[];
  servers: ServerSpec[];
  components: ComponentSpec[];
}

/** Where a problem is: `file:line:column`, or the file alone. */
export class ProjectError extends Error {
  override name = "ProjectError";
}

const LANGUAGES: Record<string, SourceLanguage> = { ".wat": "wat", ".c": "c", ".js": "js" };
const KINDS = new Set(["Vimana", "Domain", "Server", "Component"]);
const API_VERSION = "api.vimana.host/v1alpha1";

/** The keys each resource may have: any other is a typo until proven otherwise. */
const RESOURCE_KEYS = ["apiVersion", "kind", "metadata", "spec", "status"];
const METADATA_KEYS = ["name", "namespace", "labels", "annotations"];
const SPEC_KEYS: Record<string, string[]> = {
  Vimana: ["regions"],
  Domain: ["id", "vimana", "aliases", "regions", "failover", "grpc", "openApi"],
  Server: ["id", "domain", "services", "auth", "features", "versionWeights"],
  Component: [
    "domain",
    "server",
    "version",
    "image",
    "proto",
    "wit",
    "world",
    "sources",
    "headers",
  ],
};

/** Reads and checks a project file; throws a ProjectError listing every problem. */
export async function loadProject(path: string): Promise<Project> {
  const file = resolve(path);
  let text: string;
  try {
    text = await Bun.file(file).text();
  } catch (error) {
    throw new ProjectError(`${file}: cannot read: ${(error as Error).message}`);
  }
  return parseProject(file, text);
}

/** Checks a project's YAML text; `file` is where it came from (relative paths resolve there). */
export function parseProject(file: string, text: string): Project {
  const lines = new LineCounter();
  const problems: string[] = [];
  const at = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const project: Project = { file, domains: [], servers: [], components: [] };
  const places = new Map<object, Reader>();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const doc of list) {
    for (const error of doc.errors) problems.push(`${at(error.pos[0])}: ${error.message}`);
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const reader = new Reader(doc, at, problems, dirname(file));
    readResource(reader, project, places);
  }
  if (problems.length === 0) {
    const where = (spec: object, path: readonly (string | number)[]) =>
      places.get(spec)?.where(path) ?? file;
    crossCheck(project, problems, where);
  }
  if (problems.length > 0) throw new ProjectError(problems.join("\n"));
  return project;
}

/** Reads typed values out of one YAML document, recording a located problem for each misfit. */
class Reader {
  constructor(
    readonly doc: Document,
    readonly at: (offset: number | undefined) => string,
    readonly problems: string[],
    readonly dir: string,
  ) {}

  where(path: readonly (string | number)[]): string {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number] } | undefined;
      if (node?.range) return this.at(node.range[0]);
    }
    return this.at(undefined);
  }

  problem(path: readonly (string | number)[], message: string): void {
    this.problems.push(`${this.where(path)}: ${message}`);
  }

  value(path: readonly (string | number)[]): unknown {
    const node = this.doc.getIn(path, true);
    return isNode(node) ? node.toJSON() : node;
  }

  string(path: readonly (string | number)[], required = true): string | undefined {
    const value = this.value(path);
    if (value === undefined || value === null) {
      if (required) this.problem(path, `${path.join(".")} is required`);
      return undefined;
    }
    // Numbers are accepted as their text: `version: 1` and unquoted numeric ids are common.
    if (typeof value === "number") return String(value);
    if (typeof value !== "string") {
      this.problem(path, `${path.join(".")} must be a string`);
      return undefined;
    }
    return value;
  }

  strings(path: readonly (string | number)[]): string[] {
    const value = this.value(path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      this.problem(path, `${path.join(".")} must be a list of strings`);
      return [];
    }
    return value as string[];
  }

  /** A name checked by one of src/names' parsers, whose message says what is wrong. */
  checked(
    path: readonly (string | number)[],
    check: (text: string) => unknown,
  ): string | undefined {
    const text = this.string(path);
    if (text === undefined) return undefined;
    try {
      check(text);
      return text;
    } catch (error) {
      this.problem(path, `${path.join(".")}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Each key of the mapping at `path` that is not `known` is a problem, with the closest known. */
  knownKeys(path: readonly (string | number)[], known: readonly string[]): void {
    const node = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (!isMap(node)) return;
    for (const item of node.items) {
      const key = isNode(item.key) ? item.key.toJSON() : item.key;
      if (typeof key !== "string" || known.includes(key)) continue;
      const suggestion = closest(key, known);
      const hint = suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
      const field = [...path, key].join(".");
      const at = isNode(item.key) && item.key.range ? this.at(item.key.range[0]) : this.where(path);
      this.problems.push(`${at}: unknown field ${field}${hint}`);
    }
  }

  path(path: readonly (string | number)[], required = true): string | undefined {
    const text = this.string(path, required);
    return text === undefined ? undefined : resolve(this.dir, text);
  }
}

function readResource(r: Reader, project: Project, places: Map<object, Reader>): void {
  if (!isMap(r.doc.contents)) {
    r.problem([], "a resource must be a mapping with kind, metadata and spec");
    return;
  }
  const apiVersion = r.string(["apiVersion"], false);
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    r.problem(["apiVersion"], `apiVersion must be ${API_VERSION}`);
  }
  const kind = r.string(["kind"]);
  if (kind === undefined) return;
  if (!KINDS.has(kind)) {
    const suggestion = closest(kind, KINDS);
    const hint = suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
    r.problem(
      ["kind"],
      `unknown kind ${kind}${hint}: expected Vimana, Domain, Server or Component`,
    );
    return;
  }
  r.knownKeys([], RESOURCE_KEYS);
  r.knownKeys(["metadata"], METADATA_KEYS);
  r.knownKeys(["spec"], SPEC_KEYS[kind] ?? []);
  const name = r.string(["metadata", "name"]) ?? "";
  if (kind === "Vimana") return;
  if (kind === "Domain") {
    const id = r.checked(["spec", "id"], parseDomainUuid);
    r.string(["spec", "vimana"]);
    const aliases = r.strings(["spec", "aliases"]);
    const reflection = readReflection(r);
    if (id !== undefined) {
      project.domains.push({ name, id, canonical: canonicalDomain(id), aliases, reflection });
    }
  } else if (kind === "Server") {
    readServer(r, project, name);
  } else {
    readComponent(r, project, name);
  }
  // A resource adds at most one spec: the last one without a place is this resource's.
  for (const list of [project.domains, project.servers, project.components] as object[][]) {
    const last = list.at(-1);
    if (last !== undefined && !places.has(last)) places.set(last, r);
  }
}

/** `spec.grpc.reflection`: `noneBut` (only these services) or `allBut`; absent, all. */
function readReflection(r: Reader): ReflectionPolicy {
  r.knownKeys(["spec", "grpc"], ["reflection"]);
  r.knownKeys(["spec", "grpc", "reflection"], ["noneBut", "allBut"]);
  const path = ["spec", "grpc", "reflection"];
  const noneBut =
    r.value([...path, "noneBut"]) === undefined ? undefined : r.strings([...path, "noneBut"]);
  const allBut =
    r.value([...path, "allBut"]) === undefined ? undefined : r.strings([...path, "allBut"]);
  if (noneBut !== undefined && allBut !== undefined) {
    r.problem(path, "spec.grpc.reflection takes noneBut or allBut, not both");
  }
  if (noneBut !== undefined) return { noneBut };
  if (allBut !== undefined) return { allBut };
  return {};
}

function readServer(r: Reader, project: Project, name: string): void {
  const id = r.checked(["spec", "id"], parseServerId);
  const label = r.string(["metadata", "labels", "vimana.host/domain"], false);
  const domain = r.string(["spec", "domain"], label === undefined) ?? label;
  const services = r.strings(["spec", "services"]);
  if (services.length === 0) r.problem(["spec", "services"], "spec.services names no service");
  const versionWeights = new Map<string, number>();
  const weights = r.value(["spec", "versionWeights"]);
  if (weights !== undefined && (typeof weights !== "object" || weights === null)) {
    r.problem(["spec", "versionWeights"], "spec.versionWeights must map versions to weights");
  } else {
    for (const [version, weight] of Object.entries(weights ?? {})) {
      const path = ["spec", "versionWeights", version];
      if (!Number.isInteger(weight) || (weight as number) < 0 || (weight as number) > 2 ** 31 - 1) {
        r.problem(path, `weight of version ${version} must be an integer from 0 to 2^31-1`);
      } else {
        versionWeights.set(version, weight as number);
      }
    }
  }
  if (id !== undefined && domain !== undefined) {
    project.servers.push({ name, id, domain, services, versionWeights });
  }
}

function readComponent(r: Reader, project: Project, name: string): void {
  const domain = r.string(["spec", "domain"]);
  const server = r.string(["spec", "server"]);
  const version = r.checked(["spec", "version"], parseVersion);
  const image = r.path(["spec", "image"]);
  const proto = r.path(["spec", "proto"]);
  if (image === undefined || proto === undefined) return;
  const ext = extname(image);
  const language = LANGUAGES[ext];
  if (language === undefined && ext !== ".wasm") {
    r.problem(
      ["spec", "image"],
      `spec.image must be a local .wat, .c, .js or .wasm file in dev, not ${image}`,
    );
    return;
  }
  const wit = r.path(["spec", "wit"], false);
  const world = r.string(["spec", "world"], wit !== undefined);
  if (language === undefined && wit !== undefined) {
    r.problem(["spec", "wit"], "spec.wit is for source images, not a built .wasm");
  }
  const sources = r.strings(["spec", "sources"]).map((p) => resolve(r.dir, p));
  const headers = r.strings(["spec", "headers"]).map((p) => resolve(r.dir, p));
  if (sources.length > 0 && language !== "c") {
    r.problem(["spec", "sources"], "spec.sources is for C components only");
  }
  for (const [key, file] of [
    ["image", image],
    ["proto", proto],
    ["wit", wit],
  ] as const) {
    if (file !== undefined && !isFile(file)) {
      r.problem(["spec", key], `spec.${key}: no such file ${file}`);
    }
  }
  if (domain === undefined || server === undefined || version === undefined) return;
  project.components.push({
    name,
    domain,
    server,
    version,
    image,
    ...(language && { language }),
    proto,
    ...(wit && { wit }),
    ...(world && { world }),
    sources,
    headers,
  });
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** References between resources: servers name domains, components name servers and versions. */
function crossCheck(
  project: Project,
  problems: string[],
  where: (spec: object, path: readonly (string | number)[]) => string,
): void {
  const hosts = new Map<string, string>();
  for (const domain of project.domains) {
    if (project.domains.filter((d) => d.id === domain.id).length > 1) {
      problems.push(
        `${where(domain, ["spec", "id"])}: Domain ${domain.name}: another Domain has id ${domain.id}`,
      );
    }
    domain.aliases.forEach((host, index) => {
      const other = hosts.get(host);
      if (other !== undefined && other !== domain.name) {
        problems.push(
          `${where(domain, ["spec", "aliases", index])}: Domain ${domain.name}: host ${host} is also Domain ${other}'s`,
        );
      }
      hosts.set(host, domain.name);
    });
    hosts.set(domain.canonical, domain.name);
  }
  const services = new Map<string, string>();
  for (const server of project.servers) {
    const label = `Server ${server.name}`;
    if (!project.domains.some((d) => d.id === server.domain)) {
      problems.push(
        `${where(server, ["spec", "domain"])}: ${label}: no Domain has id ${server.domain}`,
      );
    }
    server.services.forEach((service, index) => {
      const key = `${server.domain} ${service}`;
      const other = services.get(key);
      if (other !== undefined) {
        problems.push(
          `${where(server, ["spec", "services", index])}: ${label}: service ${service} is also served by Server ${other}`,
        );
      }
      services.set(key, server.name);
    });
    for (const version of server.versionWeights.keys()) {
      const found = project.components.some(
        (c) => c.domain === server.domain && c.server === server.id && c.version === version,
      );
      if (!found) {
        const versions = project.components
          .filter((c) => c.domain === server.domain && c.server === server.id)
          .map((c) => c.version);
        const suggestion = closest(version, versions);
        const hint = suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
        problems.push(
          `${where(server, ["spec", "versionWeights", version])}: ${label}: versionWeights names ${version}, but no Component has it${hint}`,
        );
      }
    }
    if ([...server.versionWeights.values()].every((w) => w === 0)) {
      problems.push(
        `${where(server, ["spec", "versionWeights"])}: ${label}: versionWeights gives no version a weight above 0`,
      );
    }
  }
  const seen = new Set<string>();
  for (const component of project.components) {
    const key = componentKey(component);
    if (seen.has(key)) {
      problems.push(
        `${where(component, ["spec", "version"])}: Component ${component.name}: ${key} is defined twice`,
      );
    }
    seen.add(key);
    if (!project.servers.some((s) => s.domain === component.domain && s.id === component.server)) {
      const servers = project.servers.filter((s) => s.domain === component.domain).map((s) => s.id);
      const suggestion = closest(component.server, servers);
      const hint = suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`;
      problems.push(
        `${where(component, ["spec", "server"])}: Component ${component.name}: no Server ${component.server} in Domain ${component.domain}${hint}`,
      );
    }
  }
}

/** `domain:server@version`, the component's name (ref §2). */
export function componentKey(c: { domain: string; server: string; version: string }): string {
  return `${c.domain}:${c.server}@${c.version}`;
}
