// gcp/profiles.yaml, validated against gcp/profile-schema.json: an error names the file, the
// path of the bad key and what is wrong with it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { parse } from "yaml";
import schema from "./profile-schema.json" with { type: "json" };

export interface Profile {
  readonly name: string;
  readonly stateStore: string;
  readonly zone: string;
  readonly machineType: string;
  readonly operatorImage?: string;
  readonly project: string;
  readonly imageProject: string;
  readonly imageFamily: string;
  /** kOps's name for the cluster (gossip DNS, no zone needed). */
  readonly clusterName: string;
}

export const defaultProfilesPath = join(import.meta.dir, "profiles.yaml");

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(schema);

/** `/prod/gcp/project` → `prod.gcp.project`; property errors name the key itself. */
function describe(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties") path.push(String(params.additionalProperty));
  if (error.propertyName !== undefined) path.push(error.propertyName);
  const where = path.length > 0 ? path.join(".") : "(top level)";
  const message =
    error.propertyName !== undefined
      ? "is not a profile name (lowercase letters, digits and -, up to 32)"
      : error.keyword === "additionalProperties"
        ? "is not a known key"
        : error.keyword === "required"
          ? `misses required key "${params.missingProperty}"`
          : (error.message ?? error.keyword);
  return `${where}: ${message}`;
}

export class ProfileError extends Error {
  override readonly name = "ProfileError";
}

/** Reads and validates every profile; throws a ProfileError listing each problem. */
export async function loadProfiles(path = defaultProfilesPath): Promise<Map<string, Profile>> {
  let data: unknown;
  try {
    data = parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new ProfileError(`${path}: ${(error as Error).message}`);
  }
  if (!validate(data)) {
    const problems = (validate.errors ?? [])
      .filter((e) => e.keyword !== "propertyNames")
      .map(describe);
    throw new ProfileError(
      `${path} does not match gcp/profile-schema.json:\n  ${[...new Set(problems)].join("\n  ")}`,
    );
  }
  const profiles = new Map<string, Profile>();
  for (const [name, raw] of Object.entries(data as Record<string, Record<string, unknown>>)) {
    const gcp = raw.gcp as Record<string, string>;
    profiles.set(name, {
      name,
      stateStore: raw["state-store"] as string,
      zone: raw.zone as string,
      machineType: raw["machine-type"] as string,
      operatorImage: raw["operator-image"] as string | undefined,
      project: gcp.project as string,
      imageProject: gcp["image-project"] as string,
      imageFamily: gcp["image-family"] as string,
      clusterName: `${name}.k8s.local`,
    });
  }
  return profiles;
}

export async function loadProfile(name: string, path = defaultProfilesPath): Promise<Profile> {
  const profiles = await loadProfiles(path);
  const profile = profiles.get(name);
  if (profile === undefined) {
    throw new ProfileError(
      `no profile "${name}" in ${path}; it has: ${[...profiles.keys()].join(", ") || "none"}`,
    );
  }
  return profile;
}
