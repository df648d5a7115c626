package org.toolorch;

/**
 * Told of every event of a job or batch as it arrives, on that run's
 * consumer thread: keep it short (hand long work to another thread). An
 * exception it throws is printed and otherwise ignored.
 */
@FunctionalInterface
public interface EventListener {
  void onEvent(Event event);
}
