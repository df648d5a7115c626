package org.toolorch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Scorers (GroupPolicy.Builder.scorer, Orchestrator.setScorer) run on the
 * executor's threads and decide their group when their score comes; single
 * calls are cancelled by id (cancelCall).
 */
public class ScoreTest {
  private static final long PATIENCE_S = 60;

  private static Map<String, CallResult> byId(List<CallResult> rs) {
    Map<String, CallResult> m = new HashMap<>();
    for (CallResult r : rs) m.put(r.callId(), r);
    return m;
  }

  /** Blocks until interrupted (cancelled), then says so. */
  private static String waitForCancel(String args) throws Exception {
    Thread.sleep(PATIENCE_S * 1000);
    return "not cancelled";
  }

  @Test
  public void batchGroupScorer() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      CountDownLatch poorScored = new CountDownLatch(1);
      o.registerTool("answer", a -> {
        if (a.contains("great")) poorScored.await(); // the poor answer is scored first, and cancels nothing
        return a.contains("great") ? "great" : "poor";
      });
      o.registerTool("slow", ScoreTest::waitForCancel);
      List<Scored> seen = new ArrayList<>();
      Scorer scorer = s -> {
        synchronized (seen) {
          seen.add(s);
        }
        if (s.result().equals("great")) return 0.9;
        poorScored.countDown();
        return 0.1;
      };
      GroupPolicy policy = GroupPolicy.builder().cancelOnScore(0.8).scorer(scorer).build();
      Map<String, CallResult> rs = byId(o.startBatch(Map.of("q", policy),
          List.of(new BatchCall("answer", "{\"text\":\"poor\"}", "p", "q"),
              new BatchCall("answer", "{\"text\":\"great\"}", "g", "q"), new BatchCall("slow", "{}", "s", "q")),
          null).result().get(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals("poor", rs.get("p").text());
      assertEquals("great", rs.get("g").text());
      assertEquals(CallState.CANCELLED, rs.get("s").state());
      assertTrue(rs.get("s").text(), rs.get("s").text().contains("answered well enough (score 0.9"));
      synchronized (seen) {
        assertEquals(seen.toString(), 2, seen.size());
        assertEquals(new Scored("q", "p", "answer", "{\"text\":\"poor\"}", "poor"), seen.get(0));
        assertEquals("g", seen.get(1).callId());
      }
      // The same from a policy's JSON.
      GroupPolicy fromJson = GroupPolicy.fromJson("{\"cancel_on_better_result\": {\"threshold\": 0.5}}")
          .withScorer(s -> 1.0);
      rs = byId(o.startBatch(Map.of("j", fromJson),
          List.of(new BatchCall("answer", "{}", "a", "j"), new BatchCall("slow", "{}", "s", "j")), null)
          .result().get(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(CallState.CANCELLED, rs.get("s").state());
    }
  }

  @Test
  public void setScorerForJobGroupsAndErrors() throws Exception {
    String script = "{\"rounds\": [{\"tool_calls\": [{\"name\": \"quick\", \"arguments\": {}},"
        + " {\"name\": \"wait\", \"arguments\": {}}]}, {\"text\": \"seen: {tool_results}\"}]}";
    try (MockLlm mock = new MockLlm(script); Orchestrator o = new Orchestrator(mock.config())) {
      o.registerTool("quick", a -> "fine");
      o.registerTool("wait", ScoreTest::waitForCancel);
      List<String> scored = new ArrayList<>();
      o.setScorer(s -> {
        synchronized (scored) {
          scored.add(s.group() + ":" + s.tool() + ":" + s.result());
        }
        return 0.7;
      });
      Job j = o.start(JobRequest.builder().prompt("go")
          .group("b", List.of("quick", "wait"), GroupPolicy.builder().cancelOnScore(0.5).build()).build(), null);
      String text = j.result().get(PATIENCE_S, TimeUnit.SECONDS).text();
      assertTrue(text, text.contains("answered well enough (score 0.7"));
      synchronized (scored) {
        assertEquals(List.of("b:quick:fine"), scored);
      }
      // An exception is no score: nothing is cancelled (the group times out).
      o.setScorer(s -> {
        throw new IllegalStateException("no idea");
      });
      Map<String, CallResult> rs = byId(o.startBatch(
          Map.of("t", GroupPolicy.builder().timeoutMs(300).cancelOnScore(0).build()),
          List.of(new BatchCall("quick", "{}", "q", "t"), new BatchCall("wait", "{}", "w", "t")), null)
          .result().get(PATIENCE_S, TimeUnit.SECONDS));
      assertTrue(rs.get("q").ok());
      assertEquals(CallState.TIMED_OUT, rs.get("w").state());
      o.setScorer(null); // back to 1.0 per success: cancels at once
      rs = byId(o.startBatch(Map.of("d", GroupPolicy.builder().cancelOnScore(1).build()),
          List.of(new BatchCall("quick", "{}", "q", "d"), new BatchCall("wait", "{}", "w", "d")), null)
          .result().get(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(CallState.CANCELLED, rs.get("w").state());
    }
  }

  /** A score that can no longer matter (every branch ended) interrupts the scorer. */
  @Test
  public void scorerInterrupted() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      CountDownLatch release = new CountDownLatch(1), scoring = new CountDownLatch(1), stopped = new CountDownLatch(1);
      o.registerTool("fast", a -> "f");
      o.registerTool("gated", a -> {
        release.await();
        return "g";
      });
      Scorer scorer = s -> {
        scoring.countDown();
        try {
          Thread.sleep(PATIENCE_S * 1000);
        } catch (InterruptedException e) {
          stopped.countDown();
        }
        return 1.0;
      };
      Batch b = o.startBatch(Map.of("g", GroupPolicy.builder().cancelOnScore(0.5).scorer(scorer).build()),
          List.of(new BatchCall("fast", "{}", "f", "g"), new BatchCall("gated", "{}", "x", "g")), null);
      assertTrue(scoring.await(PATIENCE_S, TimeUnit.SECONDS));
      release.countDown();
      assertTrue("the scorer was not interrupted", stopped.await(PATIENCE_S, TimeUnit.SECONDS));
      for (CallResult r : b.result().get(PATIENCE_S, TimeUnit.SECONDS)) assertTrue(r.toString(), r.ok());
    }
  }

  @Test
  public void batchCancelCall() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      Set<String> interrupted = ConcurrentHashMap.newKeySet();
      CountDownLatch release = new CountDownLatch(1), started = new CountDownLatch(3);
      o.registerTool("wait", a -> {
        started.countDown();
        try {
          if (!release.await(PATIENCE_S, TimeUnit.SECONDS)) return "timeout";
          return "done";
        } catch (InterruptedException e) {
          interrupted.add(a);
          throw e;
        }
      });
      CountDownLatch firstResult = new CountDownLatch(1);
      List<Event> results = new ArrayList<>();
      Batch b = o.startBatch(List.of(new BatchCall("wait", "{\"n\":1}", "a"), new BatchCall("wait", "{\"n\":2}", "b"),
          new BatchCall("wait", "{\"n\":3}", "c")), e -> {
            if (e.type() == EventType.CALL_RESULT) {
              synchronized (results) {
                results.add(e);
              }
              firstResult.countDown();
            }
          });
      // Every tool runs (a call cancelled before its thread starts never runs its tool at all).
      assertTrue(started.await(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals(3, b.size());
      assertEquals(0, b.ended());
      try {
        b.cancelGroup("nope");
        fail("no such group");
      } catch (ToolorchException e) {
        assertEquals(Status.STATE, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("no group \"nope\""));
      }
      assertTrue(b.cancelCall("b"));
      assertEquals(1, b.ended()); // owned mode: the call has ended on return
      assertFalse("cancelling it again", b.cancelCall("b"));
      try {
        b.cancelCall("zz");
        fail("no such call");
      } catch (ToolorchException e) {
        assertEquals(Status.INVALID, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("no call \"zz\""));
      }
      assertTrue(firstResult.await(PATIENCE_S, TimeUnit.SECONDS));
      synchronized (results) {
        assertEquals("b", results.get(0).callId());
        assertEquals(CallState.CANCELLED, results.get(0).state());
      }
      release.countDown();
      Map<String, CallResult> rs = byId(b.result().get(PATIENCE_S, TimeUnit.SECONDS));
      assertEquals("done", rs.get("a").text());
      assertEquals("done", rs.get("c").text());
      for (int i = 0; i < 6000 && !interrupted.contains("{\"n\":2}"); i++) Thread.sleep(10);
      assertEquals(Set.of("{\"n\":2}"), interrupted);
      assertFalse("after the end", b.cancelCall("a"));
      assertEquals(3, b.size());
      assertEquals(3, b.ended());
    }
  }

  @Test
  public void jobCancelCall() throws Exception {
    String script = "{\"rounds\": [{\"tool_calls\": [{\"name\": \"wait\", \"arguments\": {\"i\": 1}},"
        + " {\"name\": \"wait\", \"arguments\": {\"i\": 2}}]}, {\"text\": \"seen: {tool_results}\"}]}";
    try (MockLlm mock = new MockLlm(script); Orchestrator o = new Orchestrator(mock.config())) {
      CountDownLatch firstRuns = new CountDownLatch(1), release = new CountDownLatch(1);
      o.registerTool("wait", a -> {
        if (a.contains("1")) firstRuns.countDown();
        release.await();
        return "answered " + a;
      });
      Map<String, String> ids = new ConcurrentHashMap<>();
      Job j = o.start("{\"prompt\": \"go\"}", e -> {
        if (e.type() == EventType.LLM_TOOL_CALL) ids.put(e.json().contains("1") ? "first" : "second", e.callId());
      });
      assertTrue(firstRuns.await(PATIENCE_S, TimeUnit.SECONDS));
      assertTrue(j.cancelCall(ids.get("first")));
      release.countDown();
      String text = j.result().get(PATIENCE_S, TimeUnit.SECONDS).text();
      assertTrue(text, text.contains("cancelled") && text.contains("answered {\"i\":2}")
          && !text.contains("answered {\"i\":1}"));
      assertFalse(j.cancelCall("x"));
    }
  }
}
