// The startup table: every domain, server, version and weight, and for each method the exact
// grpcurl and curl lines that call it through the gateway.
import { basename, dirname, relative } from "node:path";
import { type Field, scalarCodingParts } from "../metadata/index.ts";
import type { RoutingTable, ServerRoute } from "./routing.ts";

export function describeTable(table: RoutingTable, address: string, cwd: string): string[] {
  const lines: string[] = [];
  const show = (path: string) => relative(cwd, path) || path;
  table.domains.forEach((route, index) => {
    const { domain } = route;
    const hosts = [domain.canonical, ...domain.aliases].join(", ");
    const local = index === 0 ? " (and localhost)" : "";
    lines.push(`Domain ${domain.name}: ${hosts}${local}`);
    const servers = new Set<ServerRoute>(route.services.values());
    for (const server of servers) {
      const total = server.choices.reduce((sum, c) => sum + (c.live ? c.weight : 0), 0);
      lines.push(`  Server ${server.server.name}: ${server.server.services.join(", ")}`);
      for (const choice of server.choices) {
        const share = choice.live && total > 0 ? Math.round((100 * choice.weight) / total) : 0;
        const source = choice.live ? show(choice.live.spec.image) : "not built";
        lines.push(`    ${choice.version}  weight ${choice.weight} (${share}%)  ${source}`);
      }
      const live = server.choices.find((c) => c.live)?.live;
      if (!live) continue;
      for (const service of live.metadata.services) {
        if (!server.server.services.includes(service.name)) continue;
        for (const [method, shape] of service.methods) {
          const body = JSON.stringify(sample(shape.request));
          const proto = live.spec.proto;
          lines.push(`    ${service.name}/${method}`);
          // Reflection describes the service; the second line is for clients without it.
          lines.push(
            `      grpcurl -plaintext -authority ${domain.canonical} -d '${body}' ${address} ${service.name}/${method}`,
          );
          lines.push(
            `      grpcurl -plaintext -authority ${domain.canonical} -import-path ${dirname(proto)} -proto ${basename(proto)} -d '${body}' ${address} ${service.name}/${method}`,
          );
          lines.push(
            `      curl -H 'host: ${domain.canonical}' -H 'content-type: application/json' -d '${body}' http://${address}/${service.name}/${method}`,
          );
        }
      }
    }
  });
  return lines;
}

/** A request body with a value for each singular scalar field, in proto JSON names. */
function sample(message: Field | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of message?.subfields ?? []) {
    const coding = field.coding;
    if (!coding || !("scalar" in coding)) continue;
    const parts = scalarCodingParts(coding.scalar);
    if (parts?.kind !== "IMPLICIT") continue;
    const value = sampleValue(parts.type, out);
    if (value !== undefined) out[jsonName(field.name)] = value;
  }
  return out;
}

function sampleValue(type: string, sofar: Record<string, unknown>): unknown {
  if (type === "FLOAT" || type === "DOUBLE") return Object.keys(sofar).length === 0 ? 3.5 : -1.2;
  if (type === "BOOL") return true;
  if (type.startsWith("STRING")) return "hello";
  if (type === "BYTES") return "aGVsbG8=";
  // 64-bit integers are strings in proto JSON.
  return type.endsWith("64") ? "1" : 1;
}

/** WIT's kebab-case → proto JSON's lowerCamelCase. */
function jsonName(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
