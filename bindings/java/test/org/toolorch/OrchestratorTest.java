package org.toolorch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

public class OrchestratorTest {
  /** A generous bound for waits that only a broken binding would reach. */
  private static final long PATIENCE_S = 60;

  private static JobResult await(Job job) throws Exception {
    return job.result().get(PATIENCE_S, TimeUnit.SECONDS);
  }

  private static ToolorchException failure(Job job) throws Exception {
    try {
      JobResult r = await(job);
      fail("the job succeeded: " + r.text());
      return null;
    } catch (ExecutionException e) {
      assertTrue(e.getCause().toString(), e.getCause() instanceof ToolorchException);
      return (ToolorchException) e.getCause();
    }
  }

  /** 50 calls of one round run at once: each tool waits until all 50 are in. */
  @Test
  public void fiftyToolsRunAtOnce() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"Fetching.\", \"repeat\": {\"name\": \"wait50\", "
            + "\"count\": 50, \"arguments\": {\"i\": \"{i}\"}}}, {\"text\": \"done: {tool_result_count} results\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      AtomicInteger inFlight = new AtomicInteger(), maxSeen = new AtomicInteger();
      CountDownLatch all = new CountDownLatch(50);
      o.registerTool("wait50", "waits for the other 49", "{\"type\":\"object\"}", 0, args -> {
        maxSeen.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          all.countDown();
          if (!all.await(PATIENCE_S, TimeUnit.SECONDS)) throw new IllegalStateException("not all 50 arrived");
          return args;
        } finally {
          inFlight.decrementAndGet();
        }
      });
      StringBuilder text = new StringBuilder();
      AtomicInteger listened = new AtomicInteger();
      Job job = o.start("{\"prompt\": \"fetch them all\"}", e -> listened.incrementAndGet());
      int results = 0, asked = 0;
      for (Event e : job.events()) {
        switch (e.type()) {
          case TEXT_DELTA -> text.append(e.text());
          case LLM_TOOL_CALL -> asked++;
          case CALL_RESULT -> {
            assertEquals(e.text(), CallState.SUCCEEDED, e.state());
            results++;
          }
          default -> {}
        }
      }
      JobResult r = await(job);
      assertEquals("done: 50 results", r.text());
      assertEquals("max concurrency seen in Java", 50, maxSeen.get());
      assertEquals(50, o.stat("max_running"));
      assertEquals(50, asked);
      assertEquals(50, results);
      assertTrue(text.toString(), text.toString().endsWith("done: 50 results"));
      assertTrue(listened.get() >= 102); // 50 asked + 50 results + the end, at least
      assertTrue(r.transcriptJson().startsWith("["));
    }
  }

  /** An exception in a tool becomes that call's result for the model; the job goes on. */
  @Test
  public void toolExceptionGoesToTheModel() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"boom\"}, {\"name\": \"fine\"}]}, "
            + "{\"text\": \"seen: {tool_results}\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      o.registerTool("boom", args -> {
        throw new IllegalStateException("kaboom: disk on fire");
      });
      o.registerTool("fine", args -> "all-good");
      Map<String, Event> ends = new HashMap<>();
      Job job = o.start("{\"prompt\": \"try\"}", e -> {
        if (e.type() == EventType.CALL_RESULT) ends.put(e.tool(), e);
      });
      JobResult r = await(job);
      assertTrue(r.text(), r.text().contains("kaboom: disk on fire"));
      assertTrue(r.text(), r.text().contains("all-good"));
      assertEquals(CallState.FAILED, ends.get("boom").state());
      assertEquals(Status.TOOL, ends.get("boom").status());
      assertEquals(CallState.SUCCEEDED, ends.get("fine").state());
    }
  }

  /** job.cancel() ends the job as cancelled and interrupts the tool's thread. */
  @Test
  public void cancelMidJob() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"slow\"}]}, {\"text\": \"late\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      CountDownLatch started = new CountDownLatch(1), interrupted = new CountDownLatch(1);
      o.registerTool("slow", args -> {
        started.countDown();
        try {
          Thread.sleep(TimeUnit.SECONDS.toMillis(PATIENCE_S));
          return "finished";
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
      });
      Job job = o.start("{\"prompt\": \"go slow\"}");
      assertTrue("the tool never started", started.await(PATIENCE_S, TimeUnit.SECONDS));
      job.cancel();
      assertEquals(Status.CANCELLED, failure(job).status());
      assertTrue("the tool was not interrupted", interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(1, o.stat("calls_cancelled"));
      job.cancel(); // after the end: nothing happens
    }
  }

  /** A tool that blocks until its thread is interrupted (by TOOL_CANCELLED). */
  private static final class Blocker {
    final CountDownLatch started = new CountDownLatch(1), interrupted = new CountDownLatch(1);

    Tool tool() {
      return args -> {
        started.countDown();
        try {
          Thread.sleep(TimeUnit.SECONDS.toMillis(PATIENCE_S));
          return "finished";
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
      };
    }
  }

  /** The last event of a run, read through events() (its JOB_DONE / BATCH_DONE). */
  private static Event lastEvent(Run run) {
    Event last = null;
    for (Event e : run.events()) last = e;
    return last;
  }

  /** job.result().cancel(true) cancels the job in the library and interrupts its tool. */
  @Test
  public void cancellingTheResultCancelsTheJob() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"slow\"}]}, {\"text\": \"late\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      Blocker slow = new Blocker();
      o.registerTool("slow", slow.tool());
      Job job = o.start("{\"prompt\": \"go slow\"}");
      assertTrue("the tool never started", slow.started.await(PATIENCE_S, TimeUnit.SECONDS));
      assertTrue(job.result().cancel(true));
      assertTrue(job.result().isCancelled());
      assertTrue("the tool was not interrupted", slow.interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
      Event end = lastEvent(job);
      assertEquals(EventType.JOB_DONE, end.type());
      assertEquals(Status.CANCELLED.code(), end.code());
      assertEquals(1, o.stat("calls_cancelled"));
      assertTrue(job.isDone());
    }
  }

  /** Job is AutoCloseable: leaving try-with-resources early cancels it. */
  @Test
  public void closingAJobCancelsIt() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"slow\"}]}, {\"text\": \"late\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      Blocker slow = new Blocker();
      o.registerTool("slow", slow.tool());
      Job kept;
      try (Job job = o.start("{\"prompt\": \"go slow\"}")) {
        kept = job;
        assertTrue("the tool never started", slow.started.await(PATIENCE_S, TimeUnit.SECONDS));
      }
      assertTrue("the tool was not interrupted", slow.interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(Status.CANCELLED, failure(kept).status());
      kept.close(); // after the end: nothing happens
    }
  }

  /** A call's own timeout reaches its Java tool through TOOL_CANCELLED: the thread is interrupted. */
  @Test
  public void toolTimeoutInterruptsTheTool() throws Exception {
    try (Orchestrator o = new Orchestrator("{\"tool_timeout_ms\": 100}")) {
      Blocker slow = new Blocker();
      o.registerTool("slow", slow.tool());
      List<CallResult> results = o.runBatch(List.of(new BatchCall("slow", "{}")));
      assertEquals(1, results.size());
      assertEquals(CallState.TIMED_OUT, results.get(0).state());
      assertTrue("the tool was not interrupted", slow.interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
    }
  }

  /** A chain whose closure is still computing at the chain call's deadline: the closure's thread is interrupted. */
  @Test
  public void chainDeadlineInterruptsItsClosure() throws Exception {
    try (Orchestrator o = new Orchestrator("{\"tool_timeout_ms\": 100}")) {
      Blocker slow = new Blocker();
      Tool blocking = slow.tool();
      o.registerTool("noop", args -> "{}");
      o.registerChain("{\"name\":\"slow_chain\",\"steps\":[{\"name\":\"n\",\"tool\":\"noop\"}]}",
          Map.of("n", ctx -> blocking.call(ctx.json())));
      List<CallResult> results = o.runBatch(List.of(new BatchCall("slow_chain", "{}", "c")));
      CallResult c = results.stream().filter(r -> r.callId().equals("c")).findFirst().orElseThrow();
      assertEquals(c.toString(), CallState.TIMED_OUT, c.state());
      assertTrue("the closure was not interrupted", slow.interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
    }
  }

  private static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.split("\\s+")[1]);
    }
    throw new IllegalStateException("no VmRSS");
  }

  private static long settledRssKiB() throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return rssKiB();
  }

  private static final long SLACK_KIB = 20 * 1024;

  /** 1,000 jobs (one tool call, two LLM rounds each) leave the process the size it was. */
  @Test
  public void thousandJobsDoNotGrow() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"echo\", \"arguments\": "
            + "{\"x\": 1}}]}, {\"text\": \"ok {tool_results}\"}]}");
        Orchestrator o = new Orchestrator(mock.config())) {
      o.registerTool("echo", args -> args);
      runJobs(o, 200); // warm-up: the JIT, pools, connections
      long before = settledRssKiB();
      runJobs(o, 1000);
      long after = settledRssKiB();
      System.out.printf("RSS %d KiB -> %d KiB over 1000 jobs%n", before, after);
      assertTrue("RSS grew by " + (after - before) + " KiB", after - before < SLACK_KIB);
    }
  }

  private static void runJobs(Orchestrator o, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertEquals("ok {\"x\":1}", await(o.start("{\"prompt\": \"echo\"}")).text());
    }
  }

  /** 1,000 orchestrators, each running one Java tool through a batch, created and closed. */
  @Test
  public void thousandOrchestratorsDoNotGrow() throws Exception {
    cycleOrchestrators(200);
    long before = settledRssKiB();
    cycleOrchestrators(1000);
    long after = settledRssKiB();
    System.out.printf("RSS %d KiB -> %d KiB over 1000 orchestrators%n", before, after);
    assertTrue("RSS grew by " + (after - before) + " KiB", after - before < SLACK_KIB);
  }

  private static void cycleOrchestrators(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      try (Orchestrator o = new Orchestrator("{\"max_parallel_tools\": 8}")) {
        o.registerTool("id", args -> args);
        List<CallResult> r = o.runBatch(List.of(new BatchCall("id", "{\"n\":1}")));
        assertEquals(1, r.size());
        assertEquals("{\"n\":1}", r.get(0).text());
      }
    }
  }

  @Test
  public void invalidConfigNamesTheKey() {
    try {
      new Orchestrator("{\"max_parallel_tools\": 8, \"no_such_key\": 1}").close();
      fail("accepted an unknown key");
    } catch (ToolorchException e) {
      assertEquals(Status.CONFIG, e.status());
      assertTrue(e.getMessage(), e.detail().contains("no_such_key"));
    }
    try {
      new Orchestrator("{\"llm\": {\"protocol\": \"carrier-pigeon\"}}").close();
      fail("accepted a bad protocol");
    } catch (ToolorchException e) {
      assertEquals(Status.CONFIG, e.status());
      assertTrue(e.getMessage(), e.getMessage().contains("carrier-pigeon"));
    }
  }

  @Test
  public void invalidJobRequestNamesTheKey() {
    try (Orchestrator o = new Orchestrator("{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"http://127.0.0.1:9\"}}")) {
      o.start("{\"prompt\": \"x\", \"max_roundz\": 3}");
      fail("accepted an unknown request key");
    } catch (ToolorchException e) {
      assertTrue(e.getMessage(), e.detail().contains("max_roundz"));
    }
  }

  @Test
  public void batchWithJavaTools() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      o.registerTool("upper", "", "{\"type\":\"object\",\"required\":[\"s\"]}", Orchestrator.SIDE_EFFECT_FREE,
          args -> args.toUpperCase());
      List<BatchCall> calls = new ArrayList<>();
      calls.add(new BatchCall("nope", "{}", "missing"));
      calls.add(new BatchCall("upper", "{}", "schema"));
      for (int i = 0; i < 20; i++) calls.add(new BatchCall("upper", "{\"s\":\"w" + i + "\"}", "c" + i));
      Batch b = o.startBatch(calls);
      int streamed = 0;
      for (Event e : b.events()) if (e.type() == EventType.CALL_RESULT) streamed++;
      List<CallResult> results = b.result().get(PATIENCE_S, TimeUnit.SECONDS);
      assertEquals(22, results.size());
      assertEquals(22, streamed);
      for (CallResult r : results) {
        if (r.callId().startsWith("c")) {
          assertTrue(r.toString(), r.ok());
          assertEquals("{\"S\":\"W" + r.callId().substring(1) + "\"}", r.text());
        } else {
          assertEquals(r.toString(), CallState.FAILED, r.state());
        }
      }
      // UTF-8 both ways, outside the BMP too (JNI's own strings would mangle it).
      List<CallResult> u = o.runBatch(List.of(new BatchCall("upper", "{\"s\":\"h\u00e9 \ud83d\ude00\"}")));
      assertEquals("{\"S\":\"H\u00c9 \ud83d\ude00\"}", u.get(0).text());
    }
  }

  /** close() with tools still running: jobs end CLOSED, tool threads are interrupted. */
  @Test
  public void closeWhileToolsRun() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"tool_calls\": [{\"name\": \"stubborn\"}, "
        + "{\"name\": \"stubborn\"}]}, {\"text\": \"x\"}]}")) {
      Orchestrator o = new Orchestrator(mock.config());
      CountDownLatch started = new CountDownLatch(2), interrupted = new CountDownLatch(2);
      o.registerTool("stubborn", args -> {
        started.countDown();
        try {
          Thread.sleep(TimeUnit.SECONDS.toMillis(PATIENCE_S));
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
        return "late";
      });
      Job job = o.start("{\"prompt\": \"x\"}");
      assertTrue(started.await(PATIENCE_S, TimeUnit.SECONDS));
      o.close();
      assertEquals(Status.CLOSED, failure(job).status());
      assertTrue(interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(-1, o.stat("calls_started"));
      try {
        o.start("{\"prompt\": \"x\"}");
        fail("started a job after close");
      } catch (ToolorchException e) {
        assertEquals(Status.CLOSED, e.status());
      }
      o.close(); // idempotent
    }
  }

  /** close() from a future's stage (which runs on the job's consumer thread). */
  @Test
  public void closeFromTheDispatcherThread() throws Exception {
    Orchestrator o = new Orchestrator();
    o.registerTool("id", args -> args);
    Batch b = o.startBatch(List.of(new BatchCall("id", "{}")));
    CountDownLatch closed = new CountDownLatch(1);
    b.result().thenRun(() -> {
      o.close();
      closed.countDown();
    });
    assertTrue(closed.await(PATIENCE_S, TimeUnit.SECONDS));
    for (int i = 0; i < 600 && o.stat("calls_started") != -1; i++) Thread.sleep(100);
    assertEquals(-1, o.stat("calls_started"));
  }

  @Test
  public void registerTwice() {
    try (Orchestrator o = new Orchestrator()) {
      o.registerTool("t", args -> "");
      try {
        o.registerTool("t", args -> "");
        fail("registered twice");
      } catch (ToolorchException e) {
        assertEquals(Status.EXISTS, e.status());
      }
      try {
        o.registerTool("bad", "", "{\"type\": \"string\"}", 0, args -> "");
        fail("accepted a non-object schema");
      } catch (ToolorchException e) {
        assertNotNull(e.detail());
      }
      o.registerTool("bad", "", "{\"type\": \"object\"}", 0, args -> ""); // the name was given back
    }
  }

  /** The Java constants are the library's. */
  @Test
  public void statusCodesMatchTheLibrary() {
    assertEquals(Status.MAX_ROUNDS.code(), toolorch_status.TOOLORCH_EMAXROUNDS);
    assertEquals(Status.CONFIG.code(), toolorch_status.TOOLORCH_ECONFIG);
    assertEquals(Status.CLOSED.code(), toolorch_status.TOOLORCH_ECLOSED);
    assertEquals(EventType.JOB_DONE.code(), toolorch_event_type.TOOLORCH_EVENT_JOB_DONE);
    assertEquals(CallState.TIMED_OUT.code(), toolorch_call_state.TOOLORCH_CALL_TIMED_OUT);
    // Every code the library has is named here (none falls to UNKNOWN).
    for (int code = 0; code >= Native.toolorch_bind_status_min(); code--) {
      assertTrue("code " + code + " has no name", Status.of(code) != Status.UNKNOWN);
      assertEquals(code, Status.of(code).code());
    }
    for (Status s : Status.values()) {
      if (s != Status.UNKNOWN) assertEquals(s, Status.of(s.code()));
    }
  }
}
