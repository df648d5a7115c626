package org.toolorch;

/**
 * Thrown by a {@link Tool} to fail its call with flags: {@link #retryable}
 * (worth retrying: a 429, a 5xx; retried when the tool has a retry policy)
 * or {@link #fatal} (never retried; with on_failure "cancel_siblings" it
 * cancels the rest of the group or round). Any other exception is a plain
 * failure (retried only for a tool flagged {@link Orchestrator#RETRYABLE}).
 */
public final class ToolFailure extends Exception {
  private static final long serialVersionUID = 1L;
  final int flags;

  private ToolFailure(String message, int flags) {
    super(message);
    this.flags = flags;
  }

  public static ToolFailure retryable(String message) {
    return new ToolFailure(message, 0x1);
  }

  public static ToolFailure fatal(String message) {
    return new ToolFailure(message, 0x2);
  }
}
