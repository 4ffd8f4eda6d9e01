// Routing as the cluster routes (ref §7.2): the request's host picks a Domain (its canonical
// `<id>.app.vimana.host` or an alias), the gRPC service picks the Server, and the Server's
// versionWeights pick a version, at random per call. For local dev, `localhost` and loopback
// addresses (and the gateway's own address) mean the project's first Domain.
import type { DomainSpec, Project, ServerSpec } from "./project.ts";
import { componentKey } from "./project.ts";
import type { LiveVersion } from "./version.ts";

export interface Choice {
  version: string;
  weight: number;
  /** Absent while the version has never built. */
  live: LiveVersion | undefined;
}

export interface ServerRoute {
  server: ServerSpec;
  choices: Choice[];
}

export interface DomainRoute {
  domain: DomainSpec;
  /** By fully-qualified gRPC service. */
  services: Map<string, ServerRoute>;
}

export type Resolved =
  | { ok: true; domain: DomainRoute; live: LiveVersion; version: string }
  | { ok: false; reason: "host" | "service" | "version"; message: string };

const LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];

export class RoutingTable {
  readonly domains: DomainRoute[];
  readonly #hosts = new Map<string, DomainRoute>();

  constructor(project: Project, live: ReadonlyMap<string, LiveVersion>, ownHost: string) {
    this.domains = project.domains.map((domain) => ({ domain, services: new Map() }));
    for (const route of this.domains) {
      for (const host of [route.domain.canonical, ...route.domain.aliases]) {
        this.#hosts.set(host.toLowerCase(), route);
      }
    }
    const first = this.domains[0];
    if (first) {
      for (const host of [...LOCAL_HOSTS, ownHost]) {
        if (!this.#hosts.has(host)) this.#hosts.set(host, first);
      }
    }
    for (const server of project.servers) {
      const route = this.domains.find((d) => d.domain.id === server.domain);
      if (!route) continue;
      const choices = [...server.versionWeights].map(([version, weight]) => ({
        version,
        weight,
        live: live.get(componentKey({ domain: server.domain, server: server.id, version })),
      }));
      for (const service of server.services) route.services.set(service, { server, choices });
    }
  }

  /** The domain a request's host (`Host` or `:authority`, with or without port) names. */
  domainOf(authority: string): DomainRoute | undefined {
    return this.#hosts.get(hostOf(authority).toLowerCase());
  }

  resolve(authority: string, service: string): Resolved {
    const domain = this.domainOf(authority);
    if (!domain) {
      return { ok: false, reason: "host", message: `no Domain serves host ${hostOf(authority)}` };
    }
    const route = domain.services.get(service);
    if (!route) {
      return {
        ok: false,
        reason: "service",
        message: `unknown service ${service} (Domain ${domain.domain.name})`,
      };
    }
    const picked = pick(route.choices);
    if (!picked?.live) {
      return {
        ok: false,
        reason: "version",
        message: `Server ${route.server.name} has no version that built and has a weight`,
      };
    }
    return { ok: true, domain, live: picked.live, version: picked.version };
  }
}

/** Weighted random among the versions that run: one that never built takes no share. */
function pick(choices: readonly Choice[]): Choice | undefined {
  let total = 0;
  for (const choice of choices) if (choice.live) total += choice.weight;
  let point = Math.random() * total;
  for (const choice of choices) {
    if (!choice.live || choice.weight === 0) continue;
    point -= choice.weight;
    if (point < 0) return choice;
  }
  return undefined;
}

/** `host:port`, `[v6]:port` or a bare host → the host. */
export function hostOf(authority: string): string {
  if (authority.startsWith("[")) {
    const end = authority.indexOf("]");
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.indexOf(":");
  // More than one colon is a bare IPv6 address.
  if (colon < 0 || authority.indexOf(":", colon + 1) >= 0) return authority;
  return authority.slice(0, colon);
}
