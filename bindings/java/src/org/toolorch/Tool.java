package org.toolorch;

/**
 * A tool written in Java. It runs on a thread of the orchestrator's executor,
 * never on the library's own thread. The returned text is the call's result;
 * an exception fails the call with its message (the model sees it as the
 * call's error result and the job goes on). When the call is cancelled or
 * times out, the thread running it is interrupted.
 */
@FunctionalInterface
public interface Tool {
  String call(String argsJson) throws Exception;
}
