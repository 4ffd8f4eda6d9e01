// The condition lifecycle every controller shares (ref §7.1): Unknown/Reconciling before the
// first step, False with the failing step's reason (and a Warning Event), True/Reconciled at the
// end; each write carries the generation it observed.
import type { CustomResource } from "../api/index.ts";
import type { ResourceType } from "../client/index.ts";
import { AVAILABLE, setCondition } from "./conditions.ts";
import type { ControllerContext } from "./context.ts";

/** A failed step: the reason names the step; the queue retries the object with backoff. */
export class StepError extends Error {
  override name = "StepError";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class StatusWriter<T extends CustomResource<unknown>> {
  constructor(
    private readonly context: ControllerContext,
    private readonly type: ResourceType,
    public object: T,
  ) {}

  private async write(status: "True" | "False" | "Unknown", reason: string, message: string) {
    const current = this.object.status?.conditions?.find((c) => c.type === AVAILABLE);
    if (
      current?.status === status &&
      current.reason === reason &&
      current.message === message &&
      current.observedGeneration === this.object.metadata.generation
    ) {
      return;
    }
    const conditions = setCondition(this.object.status?.conditions ?? [], {
      type: AVAILABLE,
      status,
      reason,
      message,
      observedGeneration: this.object.metadata.generation,
    });
    // The returned object is the re-fetched state the original read after each status update.
    this.object = await this.context.client.updateStatus(this.type, {
      ...this.object,
      status: { ...this.object.status, conditions },
    });
  }

  async starting(): Promise<void> {
    if ((this.object.status?.conditions ?? []).length === 0) {
      await this.write("Unknown", "Reconciling", "Starting reconciliation");
    }
  }

  /** Runs one step; a failure sets Available=False with its reason, records an Event, rethrows. */
  async step<R>(
    reason: string | ((error: unknown) => string),
    action: () => Promise<R>,
  ): Promise<R> {
    try {
      return await action();
    } catch (error) {
      const why = typeof reason === "string" ? reason : reason(error);
      const message = (error as Error).message;
      await this.fail(why, message);
      throw new StepError(why, message);
    }
  }

  async fail(reason: string, message: string): Promise<void> {
    await this.context.events.warning(this.object, reason, message);
    await this.write("False", reason, message);
  }

  async succeeded(what: string): Promise<void> {
    await this.write("True", "Reconciled", `Successfully reconciled ${what}`);
  }
}
