import { type StatusCode, type StatusName, statusNames } from "./status.ts";

/** Upper bounds of the latency buckets, in seconds, as Prometheus histograms write them (`le`). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A pod's request counters, as a metrics endpoint reads them. */
export interface PodCounters {
  /** gRPC and HTTP/JSON method calls, answered or not. */
  requests: number;
  /** Calls by the status they ended with, other than OK. */
  errors: Partial<Record<StatusName, number>>;
  latency: {
    /** Bucket upper bounds in seconds: LATENCY_BUCKETS. */
    bounds: readonly number[];
    /** Calls per bucket (not cumulative); the last entry counts those above every bound. */
    counts: number[];
    sumSeconds: number;
  };
}

/** Fixed-size counters: recording a call allocates nothing. */
export class Counters {
  #requests = 0;
  readonly #byCode = new Float64Array(statusNames.length);
  readonly #buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  #sumSeconds = 0;

  record(code: StatusCode, seconds: number): void {
    this.#requests++;
    this.#byCode[code] = (this.#byCode[code] as number) + 1;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number))
      bucket++;
    this.#buckets[bucket] = (this.#buckets[bucket] as number) + 1;
    this.#sumSeconds += seconds;
  }

  snapshot(): PodCounters {
    const errors: PodCounters["errors"] = {};
    this.#byCode.forEach((count, code) => {
      if (code !== 0 && count > 0) errors[statusNames[code] as StatusName] = count;
    });
    return {
      requests: this.#requests,
      errors,
      latency: {
        bounds: LATENCY_BUCKETS,
        counts: Array.from(this.#buckets),
        sumSeconds: this.#sumSeconds,
      },
    };
  }
}
