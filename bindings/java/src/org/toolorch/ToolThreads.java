package org.toolorch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * The threads Java tools run on: a new thread only when none is idle (tools
 * may block, so every call must get a thread at once), idle ones kept until
 * close. Executors.newCachedThreadPool() does the same, but its hand-off
 * (a SynchronousQueue polled with a timeout) cost the consumer threads several
 * times the CPU of the whole call in bench/bindings; a plain queue does not.
 */
final class ToolThreads {
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final List<Thread> workers = new ArrayList<>(); // guarded by this
  private int idle; // workers waiting for a task and not promised one; guarded by this
  private boolean closed; // guarded by this

  /** Runs r on a thread of its own now; cancel(true) on the result interrupts it. */
  FutureTask<Void> submit(Runnable r) {
    FutureTask<Void> task = new FutureTask<>(r, null);
    synchronized (this) {
      if (closed) throw new RejectedExecutionException("the orchestrator is closed");
      if (idle > 0) {
        idle--; // that worker is promised this task
      } else {
        Thread t = new Thread(this::work, "toolorch-tool");
        t.setDaemon(true);
        workers.add(t);
        t.start();
      }
    }
    tasks.add(task);
    return task;
  }

  private void work() {
    while (true) {
      Runnable task;
      try {
        task = tasks.take();
      } catch (InterruptedException e) {
        if (isClosed()) return;
        continue;
      }
      task.run();
      Thread.interrupted(); // a cancel that came as the task ended must not hit the next one
      synchronized (this) {
        if (closed) return;
        idle++;
      }
    }
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /** Interrupts every worker (running tools included); they end. */
  synchronized void shutdownNow() {
    closed = true;
    for (Thread t : workers) t.interrupt();
    workers.clear();
  }
}
