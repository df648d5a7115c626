package org.toolorch;

/** Observations counted into buckets ({@link Orchestrator#histogram}). */
public final class Histogram extends Metric {
  Histogram(Orchestrator owner, String name, int labels) {
    super(owner, name, labels);
  }

  /** Counts {@code value} into the series of these label values. */
  public void observe(double value, String... labelValues) {
    update(Native::toolorch_metric_observe, value, labelValues);
  }
}
