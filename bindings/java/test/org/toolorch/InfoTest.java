package org.toolorch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Assume;
import org.junit.Test;

/**
 * version, checkJob, MCP servers, and the events the other tests do not
 * see: PROGRESS (an MCP tool's), LLM_REQUEST / LLM_RESPONSE.
 */
public class InfoTest {
  private static final long PATIENCE_S = 60;

  private static void expectStatus(Status want, Runnable r) {
    try {
      r.run();
      fail("expected " + want);
    } catch (ToolorchException e) {
      assertEquals(e.getMessage(), want, e.status());
    }
  }

  @Test
  public void version() {
    assertTrue(Orchestrator.version(), Orchestrator.version().matches("\\d+\\.\\d+\\.\\d+"));
  }

  @Test
  public void checkJob() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"unused\"}]}");
         Orchestrator o = new Orchestrator(mock.config())) {
      o.registerTool("t", a -> "");
      o.checkJob("{\"prompt\": \"x\", \"tools\": [\"t\"]}");
      o.checkJob(JobRequest.builder().prompt("x").build());
      try {
        o.checkJob("{\"prompt\": \"x\", \"bogus\": 1}");
        fail("an unknown key");
      } catch (ToolorchException e) {
        assertEquals(Status.CONFIG, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("bogus"));
      }
      expectStatus(Status.UNKNOWN_TOOL, () -> o.checkJob("{\"prompt\": \"x\", \"tools\": [\"nope\"]}"));
      assertEquals(0, o.stat("calls_started"));
    }
    try (Orchestrator bare = new Orchestrator()) {
      expectStatus(Status.CONFIG, () -> bare.checkJob("{\"prompt\": \"x\"}"));
    }
  }

  /** The project's scripted MCP server over stdio (ctest sets its paths). */
  @Test
  public void mcpServerAndProgress() throws Exception {
    String node = System.getenv("TOOLORCH_TEST_NODE"), script = System.getenv("TOOLORCH_SCRIPTED_MCP");
    Assume.assumeTrue("no node", node != null && script != null);
    try (Orchestrator o = new Orchestrator()) {
      o.addMcpServer(Map.of("name", "s", "command", List.of(node, script)));
      assertEquals(1, o.mcpStat("s", "ready"));
      assertTrue(o.mcpStat("s", "tools") >= 5);
      assertEquals(-1, o.mcpStat("nope", "ready"));
      assertTrue(!o.mcpRevision("s").isEmpty());
      assertEquals("", o.mcpRevision("nope"));
      List<Event> progress = new ArrayList<>();
      Map<String, String> results = new HashMap<>();
      Batch b = o.startBatch(List.of(new BatchCall("echo", "{\"text\": \"one\"}", "a"),
          new BatchCall("slow", "{\"ms\": 300, \"steps\": 3}", "e")), e -> {
            if (e.type() == EventType.PROGRESS) progress.add(e);
            if (e.type() == EventType.CALL_RESULT) results.put(e.callId(), e.text());
          });
      b.result().get(PATIENCE_S, TimeUnit.SECONDS);
      assertEquals(Map.of("a", "one", "e", "slow done"), results);
      assertEquals(progress.toString(), 3, progress.size());
      for (int i = 0; i < 3; i++) {
        Event p = progress.get(i);
        assertEquals("e", p.callId());
        assertEquals("slow", p.tool());
        assertEquals(i + 1, p.progress(), 0);
        assertEquals(3, p.progressTotal(), 0);
        assertEquals("step " + (i + 1), p.text());
      }
      assertEquals(2, o.mcpStat("s", "calls"));
      expectStatus(Status.CONFIG, () -> o.addMcpServer("{\"name\": \"bad\", \"command\": [\"x\"], \"colour\": 1}"));
    }
  }

  @Test
  public void llmProgressEvents() throws Exception {
    try (MockLlm mock = new MockLlm("{\"rounds\": [{\"text\": \"hi\"}]}")) {
      String cfg = mock.config().replaceFirst("\\{", "{\"emit_progress_events\": true, ");
      try (Orchestrator o = new Orchestrator(cfg)) {
        List<Event> seen = new ArrayList<>();
        Job j = o.start("{\"prompt\": \"go\"}", e -> {
          if (e.type() == EventType.LLM_REQUEST || e.type() == EventType.LLM_RESPONSE) seen.add(e);
        });
        assertEquals("hi", j.result().get(PATIENCE_S, TimeUnit.SECONDS).text());
        assertEquals(seen.toString(), 2, seen.size());
        Event req = seen.get(0), resp = seen.get(1);
        assertEquals(EventType.LLM_REQUEST, req.type());
        assertEquals(1, req.round());
        assertEquals(1, req.attempts());
        assertEquals(EventType.LLM_RESPONSE, resp.type());
        assertEquals(200, resp.httpStatus());
        assertEquals(0, resp.code());
        assertTrue(resp.runMicros() > 0);
      }
    }
  }
}
