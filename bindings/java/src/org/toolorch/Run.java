package org.toolorch;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What a Job and a Batch share: the C handle, the listener, the events kept
 * for {@link #events()}, cancel and release. The run's consumer thread (it
 * reads the run's own queue in the library) is the only one that pushes
 * events and finishes it.
 */
abstract class Run implements AutoCloseable {
  final Orchestrator orch;
  private final EventListener listener;
  private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
  private long handle; // guarded by this
  private boolean released; // guarded by this
  private volatile boolean done;

  Run(Orchestrator orch, EventListener listener) {
    this.orch = orch;
    this.listener = listener;
  }

  synchronized void setHandle(long handle) {
    this.handle = handle;
  }

  /** The event that ends this kind of run. */
  abstract EventType endType();

  /** Called once, with the end event (real, or made up at close). */
  abstract void complete(Event end);

  /** Free the C handle (the library's own free function). */
  abstract void freeHandle(long handle);

  /** Cancel in the library. */
  abstract void cancelHandle(long handle);

  /** The next event of the run's own queue in the library (0: ended). */
  abstract long nextEvent(long handle);

  /** The handle, set before the consumer starts. */
  synchronized long handle() {
    return handle;
  }

  void push(Event e) {
    queue.add(e);
    if (listener != null) {
      try {
        listener.onEvent(e);
      } catch (Throwable t) {
        System.err.println("toolorch: an event listener threw: " + t);
      }
    }
  }

  void finish(Event end) {
    done = true;
    complete(end);
  }

  public boolean isDone() {
    return done;
  }

  /**
   * The future of a run's result: cancelling it (cancel(true) or
   * cancel(false)) cancels the run in the library, and with it every call
   * still running (their tools' threads are interrupted).
   */
  final class ResultFuture<T> extends CompletableFuture<T> {
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) Run.this.cancel();
      return cancelled;
    }
  }

  /**
   * Cancels the run if it has not ended (try-with-resources: leaving the
   * block early cancels it). The C handle is freed as the end arrives.
   */
  @Override
  public void close() {
    if (!done) cancel();
  }

  /** Cancels what still runs; the end arrives as an event like any other. */
  public void cancel() {
    orch.life.readLock().lock();
    try {
      synchronized (this) {
        if (released || handle == 0 || orch.ctxGone) return;
        cancelHandle(handle);
      }
    } finally {
      orch.life.readLock().unlock();
    }
  }

  /** Cancel a branch group in the library. */
  abstract int cancelGroupHandle(long handle, byte[] group);

  /**
   * Cancels every call of the branch group that has not ended (a batch's
   * group, or a job's "groups" entry). Does nothing once the run has ended.
   */
  public void cancelGroup(String group) {
    orch.life.readLock().lock();
    try {
      synchronized (this) {
        if (released || handle == 0 || orch.ctxGone) return;
        int rc = cancelGroupHandle(handle, Text.bytes(group));
        if (rc != 0) throw new ToolorchException(rc, orch.lastError());
      }
    } finally {
      orch.life.readLock().unlock();
    }
  }

  /** Cancel one call in the library: its status. */
  abstract int cancelCallHandle(long handle, byte[] callId);

  /**
   * Cancels one call by its id (a batch call's id, or a job's call as the
   * model named it, {@link Event#callId()}): it ends CANCELLED, its tool's
   * thread is interrupted, and the rest goes on (a job's model gets an error
   * result for it). True if it was cancelled; false if it had ended (or the
   * run has). Throws {@link ToolorchException} (INVALID) when there is no
   * such call (a job: in the current round).
   */
  public boolean cancelCall(String callId) {
    orch.life.readLock().lock();
    try {
      synchronized (this) {
        if (released || handle == 0 || orch.ctxGone) return false;
        int rc = cancelCallHandle(handle, Text.bytes(callId));
        if (rc == Status.LATE.code()) return false;
        if (rc != 0) throw new ToolorchException(rc, orch.lastError());
        return true;
      }
    } finally {
      orch.life.readLock().unlock();
    }
  }

  /** f of the live C handle, or dflt once it is released (or the context gone). */
  long withLiveHandle(java.util.function.LongUnaryOperator f, long dflt) {
    orch.life.readLock().lock();
    try {
      synchronized (this) {
        if (released || handle == 0 || orch.ctxGone) return dflt;
        return f.applyAsLong(handle);
      }
    } finally {
      orch.life.readLock().unlock();
    }
  }

  void release() {
    orch.life.readLock().lock();
    try {
      synchronized (this) {
        if (released || handle == 0 || orch.ctxGone) return;
        released = true;
        freeHandle(handle);
      }
    } finally {
      orch.life.readLock().unlock();
    }
  }

  /**
   * The events, in order, ending with the JOB_DONE / BATCH_DONE event:
   * iterating blocks until the next one arrives. Every event is kept until
   * read, whenever iteration starts. One reader at a time.
   */
  public Iterable<Event> events() {
    return () -> new Iterator<Event>() {
      private Event next;
      private boolean ended;

      @Override
      public boolean hasNext() {
        if (next != null) return true;
        if (ended) return false;
        try {
          next = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for an event", e);
        }
        if (next.type() == endType()) ended = true;
        return true;
      }

      @Override
      public Event next() {
        if (!hasNext()) throw new NoSuchElementException();
        Event e = next;
        next = null;
        return e;
      }
    };
  }
}
