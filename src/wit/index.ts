import grpcWit from "./grpc.wit" with { type: "text" };

/** WIT packages the platform provides to every component world. */
export const platformWitPackages: readonly string[] = [grpcWit];

/**
 * One inline WIT source holding `mainWit` and the platform packages it may `use`.
 *
 * jco's file-path options fail under preview2-shim 0.26 (no preopens), so tools take WIT inline;
 * extra packages go in as nested `package x:y@v { … }` blocks.
 */
export function witWithPlatformPackages(mainWit: string): string {
  return [mainWit, ...platformWitPackages.map(nestPackage)].join("\n");
}

function nestPackage(wit: string): string {
  const header = /^package\s+([^;{\s]+)\s*;/m;
  const match = header.exec(wit);
  if (!match) throw new Error("platform WIT has no `package name;` header");
  return `${wit.replace(header, `package ${match[1]} {`)}\n}\n`;
}
