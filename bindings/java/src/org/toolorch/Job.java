package org.toolorch;

import java.util.concurrent.CompletableFuture;

/**
 * One run of the agent loop against the LLM of the "llm" options. Its C
 * handle is freed as soon as it ends (or at {@link Orchestrator#close()}).
 * AutoCloseable: {@link #close()} cancels it if it has not ended.
 */
public final class Job extends Run {
  private final CompletableFuture<JobResult> result = new ResultFuture<>();

  Job(Orchestrator orch, EventListener listener) {
    super(orch, listener);
  }

  /**
   * Completes with the final answer, or exceptionally with a
   * {@link ToolorchException} (status CANCELLED after {@link #cancel()},
   * CLOSED when the orchestrator closed first, or the failure's status).
   * Dependent stages run on the job's consumer thread unless made async.
   * {@code result().cancel(true)} cancels the job and its calls.
   */
  public CompletableFuture<JobResult> result() {
    return result;
  }

  @Override
  EventType endType() {
    return EventType.JOB_DONE;
  }

  @Override
  void complete(Event end) {
    if (end.code() == 0) {
      result.complete(new JobResult(end.text(), end.json(), end.inputTokens(), end.outputTokens()));
    } else {
      result.completeExceptionally(new ToolorchException(end.code(), end.text()));
    }
  }

  @Override
  void freeHandle(long handle) {
    Native.toolorch_job_free(handle);
  }

  @Override
  void cancelHandle(long handle) {
    Native.toolorch_job_cancel(handle);
  }

  @Override
  long nextEvent(long handle) {
    return Native.toolorch_bind_job_next_event(handle, -1);
  }

  @Override
  int cancelGroupHandle(long handle, byte[] group) {
    return Native.toolorch_job_cancel_group(handle, group);
  }

  @Override
  int cancelCallHandle(long handle, byte[] callId) {
    return Native.toolorch_job_cancel_call(handle, callId);
  }
}
