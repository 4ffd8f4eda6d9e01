// Prometheus metrics under controller-runtime's names, so existing dashboards read them:
// reconciles and errors per controller and result, reconcile durations, queue depth.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly reconciles = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly depths = new Map<string, () => number>();

  reconciled(controller: string, result: "success" | "error" | "requeue", seconds: number) {
    const key = `controller="${controller}",result="${result}"`;
    this.reconciles.set(key, (this.reconciles.get(key) ?? 0) + 1);
    if (result === "error") this.errors.set(controller, (this.errors.get(controller) ?? 0) + 1);
    let histogram = this.durations.get(controller);
    if (!histogram) {
      histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(controller, histogram);
    }
    for (const [index, bound] of BUCKETS.entries()) {
      if (seconds <= bound) histogram.counts[index] = (histogram.counts[index] ?? 0) + 1;
    }
    histogram.sum += seconds;
    histogram.count++;
  }

  queue(controller: string, depth: () => number): void {
    this.depths.set(controller, depth);
  }

  /** The Prometheus text exposition format. */
  render(): string {
    const lines: string[] = [
      "# HELP controller_runtime_reconcile_total Total number of reconciliations per controller.",
      "# TYPE controller_runtime_reconcile_total counter",
    ];
    for (const [labels, value] of this.reconciles) {
      lines.push(`controller_runtime_reconcile_total{${labels}} ${value}`);
    }
    lines.push(
      "# HELP controller_runtime_reconcile_errors_total Total number of reconciliation errors per controller.",
      "# TYPE controller_runtime_reconcile_errors_total counter",
    );
    for (const [controller, value] of this.errors) {
      lines.push(`controller_runtime_reconcile_errors_total{controller="${controller}"} ${value}`);
    }
    lines.push(
      "# HELP controller_runtime_reconcile_time_seconds Length of time per reconciliation per controller.",
      "# TYPE controller_runtime_reconcile_time_seconds histogram",
    );
    for (const [controller, histogram] of this.durations) {
      for (const [index, bound] of BUCKETS.entries()) {
        lines.push(
          `controller_runtime_reconcile_time_seconds_bucket{controller="${controller}",le="${bound}"} ${histogram.counts[index]}`,
        );
      }
      lines.push(
        `controller_runtime_reconcile_time_seconds_bucket{controller="${controller}",le="+Inf"} ${histogram.count}`,
        `controller_runtime_reconcile_time_seconds_sum{controller="${controller}"} ${histogram.sum}`,
        `controller_runtime_reconcile_time_seconds_count{controller="${controller}"} ${histogram.count}`,
      );
    }
    lines.push(
      "# HELP workqueue_depth Current depth of the work queue.",
      "# TYPE workqueue_depth gauge",
    );
    for (const [controller, depth] of this.depths) {
      lines.push(`workqueue_depth{name="${controller}"} ${depth()}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
