package org.toolorch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The rest of the C API, one test per exposed function: HTTP and command
 * tools, per-tool settings, retries, rate-limit stats, branch groups, group
 * cancel, the typed builders.
 */
public class ApiTest {
  private static final long PATIENCE_S = 60;

  private static Map<String, CallResult> run(Orchestrator o, Map<String, GroupPolicy> groups, List<BatchCall> calls)
      throws Exception {
    Map<String, CallResult> byId = new HashMap<>();
    for (CallResult r : o.startBatch(groups, calls, null).result().get(PATIENCE_S, TimeUnit.SECONDS)) {
      byId.put(r.callId(), r);
    }
    return byId;
  }

  private static void expectStatus(Status want, Runnable r) {
    try {
      r.run();
      fail("expected " + want);
    } catch (ToolorchException e) {
      assertEquals(e.getMessage(), want, e.status());
    }
  }

  @Test
  public void chainOfJavaTools() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      o.registerTool("search", args -> "{\"top\":" + args + "}");
      o.registerTool("combine", args -> "combined " + args);
      o.registerChain("{\"name\":\"research\",\"steps\":["
          + "{\"parallel\":[{\"name\":\"s1\",\"tool\":\"search\",\"args\":{\"q\":\"${input#/city} weather\"}},"
          + "{\"name\":\"s2\",\"tool\":\"search\",\"args\":{\"q\":\"${input#/city} news\"}}]},"
          + "{\"name\":\"c\",\"tool\":\"combine\",\"args\":{\"parts\":[\"${s1#/top/q}\",\"${s2#/top/q}\"]}}]}");
      expectStatus(Status.CONFIG, () -> o.registerChain(
          "{\"name\":\"bad\",\"steps\":[{\"name\":\"a\",\"tool\":\"search\",\"args\":{\"q\":\"${later}\"}},"
          + "{\"name\":\"later\",\"tool\":\"search\"}]}"));
      Map<String, CallResult> rs = run(o, Map.of(), List.of(new BatchCall("research", "{\"city\":\"Oslo\"}", "r1")));
      CallResult r = rs.get("r1");
      assertEquals(r.toString(), CallState.SUCCEEDED, r.state());
      assertEquals("combined {\"parts\":[\"Oslo weather\",\"Oslo news\"]}", r.text());
      // The steps' results came in the same stream, as children of r1.
      assertEquals(rs.toString(), 4, rs.size());
      assertTrue(rs.containsKey("r1/s1") && rs.containsKey("r1/s2") && rs.containsKey("r1/c"));
    }
  }

  /** A Java closure computes a chain step's arguments; its exception fails the chain naming the step. */
  @Test
  public void chainClosureComputesArgs() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      o.registerTool("search", args -> "{\"top\":" + args + "}");
      o.registerTool("combine", args -> "combined " + args);
      String chain = "{\"name\":\"research\",\"steps\":["
          + "{\"name\":\"s1\",\"tool\":\"search\",\"args\":{\"q\":\"${input#/city} weather\"}},"
          + "{\"name\":\"c\",\"tool\":\"combine\"}]}";
      ChainArgs closure = ctx -> {
        // The context is JSON: s1's result is a string in it (quotes escaped).
        String text = ctx.json().replace("\\\"", "\"");
        if (text.contains("\"city\":\"Nowhere\"")) throw new IllegalStateException("nothing found for Nowhere");
        Matcher q = Pattern.compile("\"q\":\"([^\"]*)\"").matcher(text.substring(text.indexOf("\"results\"")));
        assertTrue(text, q.find());
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("parts", List.of(q.group(1).toUpperCase()));
        args.put("step", ctx.step());
        args.put("chain", ctx.chain());
        args.put("id", ctx.callId());
        return args;
      };
      expectStatus(Status.CONFIG, () -> o.registerChain(chain, Map.of("nope", closure)));
      o.registerChain(chain, Map.of("c", closure));
      Map<String, CallResult> rs = run(o, Map.of(), List.of(new BatchCall("research", "{\"city\":\"Oslo\"}", "r1"),
          new BatchCall("research", "{\"city\":\"Nowhere\"}", "r2")));
      CallResult r1 = rs.get("r1");
      assertEquals(r1.toString(), CallState.SUCCEEDED, r1.state());
      assertEquals("combined {\"parts\":[\"OSLO WEATHER\"],\"step\":\"c\",\"chain\":\"research\",\"id\":\"r1/c\"}",
          r1.text());
      CallResult r2 = rs.get("r2");
      assertEquals(r2.toString(), CallState.FAILED, r2.state());
      assertTrue(r2.text(), r2.text().contains("chain \"research\": step \"c\" failed: nothing found for Nowhere"));
      assertTrue(rs.toString(), !rs.containsKey("r2/c"));
    }
  }

  @Test
  public void httpTool() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"unused\"}]}");
         Orchestrator o = new Orchestrator()) {
      String base = "http://" + mock.address;
      o.register(ToolSpec.builder("echo").http(base + "/tools/echo", "X-Test: 1").build());
      o.register(ToolSpec.builder("teapot").http(base + "/tools/echo?status=418").build());
      Map<String, CallResult> rs = run(o, Map.of(), List.of(new BatchCall("echo", "{\"n\":1}", "a"),
          new BatchCall("echo", "{\"n\":2}", "b"), new BatchCall("teapot", "{}", "c")));
      assertEquals("{\"n\":1}", rs.get("a").text());
      assertEquals("{\"n\":2}", rs.get("b").text());
      assertEquals(CallState.FAILED, rs.get("c").state());
      assertTrue(rs.get("c").text(), rs.get("c").text().contains("HTTP 418"));
      expectStatus(Status.INVALID, () -> o.register(ToolSpec.builder("bad").http("ftp://x").build()));
      expectStatus(Status.INVALID, () -> o.register(ToolSpec.builder("badh").http(base, "no colon").build()));
    }
  }

  @Test
  public void commandTool() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      o.register(ToolSpec.builder("cat").command("cat").build());
      o.register(ToolSpec.builder("fail").command("sh", "-c", "echo oops >&2; exit 3").build());
      Map<String, CallResult> rs = run(o, Map.of(),
          List.of(new BatchCall("cat", "{\"x\":\"y\"}", "a"), new BatchCall("fail", "{}", "b")));
      assertEquals("{\"x\":\"y\"}", rs.get("a").text());
      assertEquals(CallState.FAILED, rs.get("b").state());
      assertTrue(rs.get("b").text(), rs.get("b").text().contains("status 3") && rs.get("b").text().contains("oops"));
      expectStatus(Status.INVALID, () -> o.register(ToolSpec.builder("none").command().build()));
      expectStatus(Status.INVALID, () -> ToolSpec.builder("two").command("cat").function(a -> "x").build());
    }
  }

  @Test
  public void maxParallelPerTool() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      AtomicInteger running = new AtomicInteger(), most = new AtomicInteger();
      o.register(ToolSpec.builder("one").maxParallel(1).function(a -> {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        Thread.sleep(5);
        running.decrementAndGet();
        return "ok";
      }).build());
      List<BatchCall> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) calls.add(new BatchCall("one", "{}"));
      for (CallResult r : run(o, Map.of(), calls).values()) assertTrue(r.toString(), r.ok());
      assertEquals(1, most.get());
    }
  }

  @Test
  public void timeoutPerTool() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      CountDownLatch started = new CountDownLatch(1), interrupted = new CountDownLatch(1);
      o.register(ToolSpec.builder("hang").timeout(Duration.ofMillis(20)).function(a -> {
        started.countDown();
        try {
          Thread.sleep(PATIENCE_S * 1000);
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return "late";
      }).build());
      CallResult r = run(o, Map.of(), List.of(new BatchCall("hang", "{}", "h"))).get("h");
      assertEquals(CallState.TIMED_OUT, r.state());
      // Under load the deadline may pass before the tool's thread picks the
      // call up (then it never runs); once it ran, it must be interrupted.
      if (started.getCount() == 0) {
        assertTrue("the tool's thread was not interrupted", interrupted.await(PATIENCE_S, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  public void retryPolicy() throws Exception {
    try (Orchestrator o = new Orchestrator()) {
      Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
      o.register(ToolSpec.builder("r").retry(2, ToolSpec.Backoff.FIXED, Duration.ofMillis(1), Duration.ofMillis(1))
          .function(args -> {
            String mode = args.contains("flaky") ? "flaky" : "plain";
            int n = tries.computeIfAbsent(mode, k -> new AtomicInteger()).incrementAndGet();
            if (mode.equals("flaky") && n < 3) throw ToolFailure.retryable("try " + n + " failed");
            if (mode.equals("plain")) throw new IllegalStateException("not marked retryable");
            return "ok";
          }).build());
      Map<String, CallResult> rs = run(o, Map.of(), List.of(new BatchCall("r", "{\"mode\":\"flaky\"}", "f"),
          new BatchCall("r", "{\"mode\":\"plain\"}", "p")));
      assertTrue(rs.get("f").toString(), rs.get("f").ok());
      assertEquals(3, rs.get("f").attempts());
      assertEquals(CallState.FAILED, rs.get("p").state());
      assertEquals(1, rs.get("p").attempts());
    }
  }

  @Test
  public void serviceAndLimitsStats() throws Exception {
    Orchestrator o = new Orchestrator(Options.builder()
        .rateLimitsJson("{\"services\": {\"svc\": {\"calls\": 1000, \"window_s\": 60}}}").build());
    try (o; Orchestrator plain = new Orchestrator()) {
      o.register(ToolSpec.builder("s").service("svc").function(a -> "ok").build());
      run(o, Map.of(), List.of(new BatchCall("s", "{}"), new BatchCall("s", "{}"), new BatchCall("s", "{}")));
      assertEquals(3, o.limitsStat("svc", "granted"));
      assertEquals(0, o.limitsStat("svc", "waiting"));
      assertEquals(-1, o.limitsStat("svc", "no_such_key"));
      double rate = o.currentRate("svc");
      assertTrue("rate " + rate, rate > 0 && rate <= 1000);
      assertEquals(0, o.limitsBackendStat("redis_connected"));
      assertEquals(-1, plain.limitsStat("svc", "granted"));
      assertTrue(plain.currentRate("svc") < 0);
    }
    assertEquals(-1, o.limitsStat("svc", "granted"));
    assertEquals(-1, o.limitsBackendStat("redis_errors"));
    assertTrue(o.currentRate("svc") < 0);
  }

  @Test
  public void batchGroupKeepTopN() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"unused\"}]}");
         Orchestrator o = new Orchestrator()) {
      String base = "http://" + mock.address;
      o.register(ToolSpec.builder("web").http(base + "/tools/echo").build());
      o.register(ToolSpec.builder("slow").http(base + "/tools/echo?delay_ms=60000").build());
      Map<String, CallResult> rs = run(o, Map.of("g", GroupPolicy.builder().keepTopN(1).build()),
          List.of(new BatchCall("web", "{\"q\":1}", "fast", "g"), new BatchCall("slow", "{}", "slow", "g"),
              new BatchCall("slow", "{}", "slow2", "g")));
      assertTrue(rs.toString(), rs.get("fast").ok());
      assertEquals(CallState.CANCELLED, rs.get("slow").state());
      assertEquals(CallState.CANCELLED, rs.get("slow2").state());
      try {
        o.startBatch(Map.of("x", GroupPolicy.fromJson("{\"bogus\": 1}")), List.of(), null);
        fail("an unknown policy key was accepted");
      } catch (ToolorchException e) {
        assertTrue(e.getMessage(), e.getMessage().contains("bogus"));
      }
      try {
        o.startBatch(Map.of(), List.of(new BatchCall("web", "{}", null, "undeclared")), null);
        fail("a call in an undeclared group was accepted");
      } catch (ToolorchException expected) {
        // the batch is refused
      }
    }
  }

  @Test
  public void batchCancelGroup() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"unused\"}]}");
         Orchestrator o = new Orchestrator()) {
      o.register(ToolSpec.builder("slow").http("http://" + mock.address + "/tools/echo?delay_ms=60000").build());
      CountDownLatch release = new CountDownLatch(1);
      o.register(ToolSpec.builder("gate").function(a -> {
        release.await();
        return "through";
      }).build());
      AtomicInteger cancelled = new AtomicInteger();
      Batch b = o.startBatch(Map.of("research", GroupPolicy.builder().build()),
          List.of(new BatchCall("slow", "{}", "s1", "research"), new BatchCall("slow", "{}", "s2", "research"),
              new BatchCall("gate", "{}", "g")),
          e -> {
            if (e.type() == EventType.CALL_RESULT && e.state() == CallState.CANCELLED
                && cancelled.incrementAndGet() == 2) {
              release.countDown();
            }
          });
      b.cancelGroup("research");
      Map<String, CallResult> rs = new HashMap<>();
      for (CallResult r : b.result().get(PATIENCE_S, TimeUnit.SECONDS)) rs.put(r.callId(), r);
      assertEquals(CallState.CANCELLED, rs.get("s1").state());
      assertEquals(CallState.CANCELLED, rs.get("s2").state());
      assertEquals("through", rs.get("g").text());
    }
  }

  @Test
  public void jobRequestBuilderAndCancelGroup() throws Exception {
    String script = "{\"rounds\": [{\"tool_calls\": [{\"name\": \"wait\", \"arguments\": {\"i\": 1}},"
        + " {\"name\": \"wait\", \"arguments\": {\"i\": 2}}]}, {\"text\": \"seen: {tool_results}\"}]}";
    try (MockLlm mock = new MockLlm(script); Orchestrator o = new Orchestrator(mock.config())) {
      CountDownLatch started = new CountDownLatch(2);
      o.registerTool("wait", a -> {
        started.countDown();
        Thread.sleep(PATIENCE_S * 1000);
        return "late";
      });
      Job j = o.start(JobRequest.builder().prompt("go").system("be \"brief\"\n").stream(false)
          .group("branches", List.of("wait"), GroupPolicy.builder().build()).build(), null);
      assertTrue(started.await(PATIENCE_S, TimeUnit.SECONDS));
      j.cancelGroup("branches");
      String text = j.result().get(PATIENCE_S, TimeUnit.SECONDS).text();
      assertTrue(text, text.startsWith("seen: ") && text.split("group \"branches\" was cancelled", -1).length == 3);
      try {
        o.start(JobRequest.builder().prompt("x").eagerDispatch("sometimes").build(), null);
        fail("a bad eager_dispatch was accepted");
      } catch (ToolorchException e) {
        assertTrue(e.getMessage(), e.getMessage().contains("eager_dispatch"));
      }
    }
  }

  @Test
  public void optionsBuilder() throws Exception {
    try (Orchestrator o = new Orchestrator(Options.builder().maxParallelTools(3).toolTimeoutMs(1000)
        .emitCallStarted(true).llm("openai", "http://127.0.0.1:1", null, "m").build())) {
      o.registerTool("t", a -> "ok");
      assertTrue(run(o, Map.of(), List.of(new BatchCall("t", "{}", "x"))).get("x").ok());
    }
    assertEquals("{\"max_parallel_tools\":3,\"rate_limits\":{\"global_max\":5}}",
        Options.builder().maxParallelTools(3).rateLimitsJson("{\"global_max\":5}").build().toJson());
  }
}
