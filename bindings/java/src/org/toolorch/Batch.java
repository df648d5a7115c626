package org.toolorch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Many calls run at once without an LLM. */
public final class Batch extends Run {
  private final CompletableFuture<List<CallResult>> result = new ResultFuture<>();
  private final List<CallResult> results = Collections.synchronizedList(new ArrayList<>());

  final Map<String, Scorer> scorers; // its groups' scorers, by group name

  Batch(Orchestrator orch, EventListener listener, Map<String, Scorer> scorers) {
    super(orch, listener);
    this.scorers = Map.copyOf(scorers);
  }

  /**
   * Completes when every call has ended, with how each ended (in the order
   * they ended); exceptionally only if the orchestrator closed first.
   */
  public CompletableFuture<List<CallResult>> result() {
    return result;
  }

  /**
   * How many calls the batch has (toolorch_batch_size). Once it has ended
   * (or the orchestrator closed), the number of results it gave.
   */
  public long size() {
    return withLiveHandle(Native::toolorch_batch_size, results.size());
  }

  /** How many of its calls have ended so far (toolorch_batch_ended); at the end, the results. */
  public long ended() {
    return withLiveHandle(Native::toolorch_batch_ended, results.size());
  }

  @Override
  void push(Event e) {
    if (e.type() == EventType.CALL_RESULT) results.add(CallResult.of(e));
    super.push(e);
  }

  @Override
  EventType endType() {
    return EventType.BATCH_DONE;
  }

  @Override
  void complete(Event end) {
    if (end.code() == 0) result.complete(List.copyOf(results));
    else result.completeExceptionally(new ToolorchException(end.code(), end.text()));
  }

  @Override
  void freeHandle(long handle) {
    Native.toolorch_batch_free(handle);
  }

  @Override
  void cancelHandle(long handle) {
    Native.toolorch_batch_cancel(handle);
  }

  @Override
  long nextEvent(long handle) {
    return Native.toolorch_bind_batch_next_event(handle, -1);
  }

  @Override
  int cancelGroupHandle(long handle, byte[] group) {
    return Native.toolorch_batch_cancel_group(handle, group);
  }

  @Override
  int cancelCallHandle(long handle, byte[] callId) {
    return Native.toolorch_batch_cancel_call(handle, callId);
  }
}
