package org.toolorch;

/** A metric that only goes up ({@link Orchestrator#counter}). */
public final class Counter extends Metric {
  Counter(Orchestrator owner, String name, int labels) {
    super(owner, name, labels);
  }

  /** Adds 1 to the series of these label values. */
  public void inc(String... labelValues) {
    add(1, labelValues);
  }

  /** Adds {@code value} (finite, at least 0) to the series of these label values. */
  public void add(double value, String... labelValues) {
    update(Native::toolorch_metric_add, value, labelValues);
  }
}
