// What `vimana compile` tells its user: what was found, and where it went.
import type { Compilation } from "./compile.ts";
import type { TypeDef } from "./model.ts";

export function describeCompilation(compilation: Compilation, written: readonly string[]): string {
  const { schema } = compilation;
  const methods = schema.services.flatMap((service) =>
    service.methods.map((method) => ({ service: service.protoName, method })),
  );
  const types = [schema.main, ...schema.others].flatMap((pkg) => pkg.types);
  const lines = [
    `${schema.main.protoPackage}: ${count(schema.services.length, "service")}, ${count(methods.length, "method")}, ${count(types.length, "type")} (${typeKinds(types)})`,
    `world ${schema.world} in ${schema.main.name}:`,
    ...methods.map(
      ({ service, method }) =>
        `  ${service}/${method.protoName} → export ${method.function} (${method.request.protoName} → ${method.response.protoName})`,
    ),
    `wrote ${written.join(", ")}`,
  ];
  return lines.join("\n");
}

function typeKinds(types: readonly TypeDef[]): string {
  const kinds = ["record", "variant", "enum"] as const;
  return kinds
    .map((kind) => [kind, types.filter((def) => def.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => count(n, kind))
    .join(", ");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
