// Create-or-update as the original did it, with fewer writes: get; create when missing; update
// only when a field the operator sets differs from the live object (the API server's defaults
// are left alone); retry on a conflicting concurrent write (409).
import type { KubeObject, OwnerReference } from "../api/index.ts";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  type ResourceType,
} from "../client/index.ts";
import { isSubset } from "./subset.ts";

const ATTEMPTS = 5;

/** The live object is controlled by someone else: the operator will not take it over. */
export class OwnershipError extends Error {
  override name = "OwnershipError";
}

export async function getOrUndefined<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(type, namespace, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Cluster-scoped objects the operator shares with others: created when missing, never changed. */
export async function ensureExists(
  client: KubeClient,
  type: ResourceType,
  desired: KubeObject,
): Promise<void> {
  if (await getOrUndefined(client, type, undefined, desired.metadata.name)) return;
  try {
    await client.create(type, desired);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

function checkController(live: KubeObject, owner: OwnerReference | undefined): void {
  const current = live.metadata.ownerReferences?.find((ref) => ref.controller);
  if (owner && current && current.uid !== owner.uid) {
    throw new OwnershipError(
      `${live.kind} ${live.metadata.namespace}/${live.metadata.name} is already controlled by ${current.kind} ${current.name}`,
    );
  }
}

/**
 * Makes the object match `desired` (or what `fromLive` derives from the live object, for fields
 * that must be kept, like a Deployment's replicas). Returns the stored object.
 */
export interface UpsertOptions {
  /** Derives the wanted object from the live one (fields that must be kept). */
  fromLive?: (live: KubeObject) => KubeObject | Promise<KubeObject>;
  /**
   * The informer's copy, tried first to spare a GET: a stale copy only costs a 409 or an
   * AlreadyExists, after which the object is read from the API server.
   */
  cached?: (namespace: string | undefined, name: string) => KubeObject | undefined;
}

export async function upsert(
  client: KubeClient,
  type: ResourceType,
  desired: KubeObject,
  options: UpsertOptions = {},
): Promise<KubeObject> {
  const { namespace, name } = desired.metadata;
  const fromLive = options.fromLive ?? (() => desired);
  const owner = desired.metadata.ownerReferences?.find((ref) => ref.controller);
  let lastConflict: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const live =
      attempt === 0 && options.cached
        ? options.cached(namespace, name)
        : await getOrUndefined(client, type, namespace, name);
    if (!live) {
      try {
        return await client.create(type, desired);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        lastConflict = error;
        continue;
      }
    }
    checkController(live, owner);
    const want = await fromLive(live);
    const refs = live.metadata.ownerReferences ?? [];
    const missingOwner = owner !== undefined && !refs.some((ref) => ref.uid === owner.uid);
    if (
      !missingOwner &&
      isSubset(want.spec, live.spec) &&
      isSubset(want.metadata.labels ?? {}, live.metadata.labels ?? {})
    ) {
      return live;
    }
    try {
      return await client.update(type, {
        ...live,
        metadata: {
          ...live.metadata,
          labels: { ...live.metadata.labels, ...want.metadata.labels },
          ownerReferences: missingOwner && owner ? [...refs, owner] : live.metadata.ownerReferences,
        },
        spec: want.spec,
      });
    } catch (error) {
      if (!isConflict(error)) throw error;
      lastConflict = error;
    }
  }
  throw lastConflict;
}

export async function deleteIfPresent(
  client: KubeClient,
  type: ResourceType,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await client.delete(type, namespace, name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
