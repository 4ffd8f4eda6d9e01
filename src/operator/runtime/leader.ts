// Leader election on a coordination.k8s.io Lease, as client-go does it: a candidate takes the
// Lease when it is free or when its holder has not renewed it for a lease duration (measured on
// the candidate's own clock, from when it last saw the Lease change), the leader renews it every
// retry period, and gives up leadership when it cannot renew within the renew deadline.
import type { KubeObject } from "../api/index.ts";
import { isNotFound, type KubeClient, resourceTypes } from "../client/index.ts";
import { sleep } from "./informer.ts";
import type { Logger } from "./log.ts";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const defaultLeaseTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

// MicroTime: RFC 3339 with microseconds.
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private observedVersion = "";
  private observedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {}

  /** Resolves once this process holds the Lease; false if `signal` ended the wait. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    this.log.info(`leader election: waiting for Lease ${namespace}/${name} as ${identity}`);
    while (!signal.aborted) {
      try {
        if (await this.tryAcquireOrRenew()) {
          this.log.info(`leader election: acquired Lease ${namespace}/${name}`);
          return true;
        }
      } catch (error) {
        this.log.warn(`leader election: ${(error as Error).message}`);
      }
      await sleep(this.options.retryPeriodMs, signal);
    }
    return false;
  }

  /** Renews until `signal` ends (then releases the Lease) or renewal fails; resolves when lost. */
  async holdUntilLost(signal: AbortSignal): Promise<void> {
    let lastRenewal = Date.now();
    while (!signal.aborted) {
      await sleep(this.options.retryPeriodMs, signal);
      if (signal.aborted) break;
      try {
        if (await this.tryAcquireOrRenew()) {
          lastRenewal = Date.now();
          continue;
        }
        this.log.error("leader election: another process took the Lease");
        return;
      } catch (error) {
        this.log.warn(`leader election: renewal failed: ${(error as Error).message}`);
      }
      if (Date.now() - lastRenewal > this.options.renewDeadlineMs) {
        this.log.error(
          `leader election: could not renew within ${this.options.renewDeadlineMs} ms; leadership lost`,
        );
        return;
      }
    }
    await this.release();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs } = this.options;
    const now = new Date();
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(resourceTypes.lease, namespace, name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.create<Lease>(resourceTypes.lease, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      });
      return true;
    }
    const version = lease.metadata.resourceVersion ?? "";
    if (version !== this.observedVersion) {
      this.observedVersion = version;
      this.observedAt = now.getTime();
    }
    const holder = lease.spec.holderIdentity ?? "";
    const heldByUs = holder === identity;
    const duration = (lease.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== "" && !heldByUs && this.observedAt + duration > now.getTime()) return false;
    const updated = await this.client.update<Lease>(resourceTypes.lease, {
      ...lease,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: heldByUs ? lease.spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (heldByUs ? 0 : 1),
      },
    });
    this.observedVersion = updated.metadata.resourceVersion ?? "";
    this.observedAt = now.getTime();
    return true;
  }

  /** Frees the Lease so the next candidate need not wait for it to expire. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.client.get<Lease>(resourceTypes.lease, namespace, name);
      if (lease.spec.holderIdentity !== identity) return;
      await this.client.update<Lease>(resourceTypes.lease, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 },
      });
      this.log.info(`leader election: released Lease ${namespace}/${name}`);
    } catch (error) {
      this.log.warn(`leader election: release failed: ${(error as Error).message}`);
    }
  }
}
