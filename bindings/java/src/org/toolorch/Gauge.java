package org.toolorch;

/** A metric that goes up and down ({@link Orchestrator#gauge}). */
public final class Gauge extends Metric {
  Gauge(Orchestrator owner, String name, int labels) {
    super(owner, name, labels);
  }

  /** Sets the series of these label values to {@code value}. */
  public void set(double value, String... labelValues) {
    update(Native::toolorch_metric_set, value, labelValues);
  }

  /** Adds {@code value} (negative to go down). */
  public void add(double value, String... labelValues) {
    update(Native::toolorch_metric_add, value, labelValues);
  }
}
