package org.toolorch.testing;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongFunction;
import org.toolorch.Batch;
import org.toolorch.Event;
import org.toolorch.EventType;
import org.toolorch.Job;

/**
 * Keeps a run's events for the expectations of {@link ToolorchAssert}
 * (toolorch_testing_recorder). Feed it every event of the run, in order:
 *
 * <pre>{@code
 * try (Recorder rec = new Recorder()) {
 *   rec.recordAll(orchestrator.start(request));   // until JOB_DONE
 *   ToolorchAssert.assertParallel(rec, "weather");
 * }
 * }</pre>
 *
 * or record inside your own loop ({@code for (Event e : job.events())
 * rec.record(e)}), or as the job's listener ({@code orchestrator.start(request,
 * rec::record)}, then {@link #await}). Set the option emit_call_started
 * ({@code Options.builder().emitCallStarted(true)}) in tests: the parallelism
 * expectations need each call's start. Thread-safe.
 */
public final class Recorder implements AutoCloseable {
  // Calls share the read side (the C recorder has its own lock); close()
  // takes the write side, so it never frees the handle under a call.
  private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
  private long handle; // guarded by life; 0 once closed

  public Recorder() {
    handle = TestingNative.toolorch_testing_recorder_new();
    if (handle == 0) throw new OutOfMemoryError("toolorch testing: no memory for a recorder");
  }

  /** Records one event (its fields are copied) and returns it. */
  public Event record(Event e) {
    int type = e.type() == null ? EventType.NONE.code() : e.type().code();
    int state = e.state() == null ? 0 : e.state().code();
    with(h -> TestingNative.toolorch_testing_record_fields(h, type, Utf8.bytes(e.callId()), Utf8.bytes(e.tool()),
        Utf8.bytes(e.json()), Utf8.bytes(e.text()), state, e.code()));
    return e;
  }

  /** Records every event of a job until it ends (its JOB_DONE); returns this. */
  public Recorder recordAll(Job job) {
    return recordAll(job.events());
  }

  /** Records every event of a batch until it ends (its BATCH_DONE); returns this. */
  public Recorder recordAll(Batch batch) {
    return recordAll(batch.events());
  }

  /** Records every event of events, in order; returns this. */
  public Recorder recordAll(Iterable<Event> events) {
    for (Event e : events) record(e);
    return this;
  }

  /**
   * Waits until count events of type are recorded, when another thread
   * records them (the job's listener: {@code start(request, rec::record)}).
   *
   * @return false if timeout passed first
   */
  public boolean await(EventType type, int count, Duration timeout) {
    long ms = Math.max(0, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    return with(h -> TestingNative.toolorch_testing_recorder_wait(h, type.code(), count, (int) ms)) == 0;
  }

  /** How many events of type were recorded (EventType.NONE: all). */
  public int count(EventType type) {
    return with(h -> TestingNative.toolorch_testing_recorder_count(h, type.code()));
  }

  /** The most calls that ran at once; -1 if no call start was recorded (set emit_call_started). */
  public int maxRunning() {
    return with(TestingNative::toolorch_testing_recorder_max_running);
  }

  /**
   * The events recorded as a JSON array of {"seq", "type", "call_id",
   * "tool", "json", "text", "call_state", "status"}: to print when a test
   * needs debugging.
   */
  public String json() {
    // The C text is borrowed until the next call on this recorder: one reader at a time.
    synchronized (this) {
      return with(h -> Utf8.str(TestingNative.toolorch_testing_recorder_json(h)));
    }
  }

  /** Forgets every event recorded. */
  public void clear() {
    with(h -> {
      TestingNative.toolorch_testing_recorder_clear(h);
      return null;
    });
  }

  /** Frees the recorder; twice is fine. */
  @Override
  public void close() {
    life.writeLock().lock();
    try {
      if (handle != 0) TestingNative.toolorch_testing_recorder_free(handle);
      handle = 0;
    } finally {
      life.writeLock().unlock();
    }
  }

  /** Runs f on the live C handle; close() waits for it. */
  <T> T with(LongFunction<T> f) {
    life.readLock().lock();
    try {
      if (handle == 0) throw new IllegalStateException("the recorder is closed");
      return f.apply(handle);
    } finally {
      life.readLock().unlock();
    }
  }
}
