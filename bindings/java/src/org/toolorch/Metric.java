package org.toolorch;

import java.util.Arrays;

/**
 * A metric of your own in the orchestrator's registry (include/toolorch/metrics.h),
 * exposed with the library's in {@link Orchestrator#metricsText()} and on the
 * built-in /metrics endpoint. Made by {@link Orchestrator#counter},
 * {@link Orchestrator#gauge} and {@link Orchestrator#histogram}; label
 * values are given in the order of the label names it was defined with.
 * Thread-safe.
 */
public abstract class Metric {
  final Orchestrator owner;
  final String name;
  final int labels;

  Metric(Orchestrator owner, String name, int labels) {
    this.owner = owner;
    this.name = name;
    this.labels = labels;
  }

  /** The metric's name. */
  public String name() {
    return name;
  }

  interface Update {
    int apply(long ctx, byte[] name, byte[] labelValues, double value);
  }

  void update(Update fn, double value, String[] labelValues) {
    if (labelValues.length != labels) {
      throw new ToolorchException(Status.INVALID.code(),
          "metric \"" + name + "\" takes " + labels + " label values, not " + labelValues.length);
    }
    byte[] values = labels == 0 ? null : Text.bytes(Json.of(Arrays.asList(labelValues)));
    byte[] n = Text.bytes(name);
    owner.withCtx(ctx -> fn.apply(ctx, n, values, value));
  }
}
