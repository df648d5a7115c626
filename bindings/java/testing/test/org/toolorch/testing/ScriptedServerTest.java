package org.toolorch.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.toolorch.testing.ToolorchAssert.assertAnswer;
import static org.toolorch.testing.ToolorchAssert.assertMaxRunning;
import static org.toolorch.testing.ToolorchAssert.assertNoDuplicateResults;
import static org.toolorch.testing.ToolorchAssert.assertOnlyCalls;
import static org.toolorch.testing.ToolorchAssert.assertParallel;
import static org.toolorch.testing.ToolorchAssert.assertResultsMatched;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.toolorch.EventType;
import org.toolorch.Job;
import org.toolorch.Options;
import org.toolorch.Orchestrator;
import org.toolorch.Status;
import org.toolorch.ToolorchException;

/**
 * The scripted server over real loopback HTTP: a real job against it
 * recorded and asserted (each assertion holding), what the server saw, and
 * the server-side assertions failing on a conversation that answers an id
 * nobody issued or one call twice.
 */
public class ScriptedServerTest {
  static final String TWO_SEARCHES = """
      {"rounds": [
        {"tool_calls": [{"name": "search", "arguments": {"q": "a"}},
                        {"name": "search", "arguments": {"q": "b"}}]},
        {"text": "found: {tool_results}"}]}""";

  static Orchestrator agent(ScriptedServer llm, CountDownLatch bothIn) {
    Orchestrator o = new Orchestrator(
        Options.builder().emitCallStarted(true).llm("openai", llm.url(), null, "m").build());
    o.registerTool("search", args -> {
      bothIn.countDown();
      bothIn.await(10, TimeUnit.SECONDS); // both at once, or the parallel assertion fails
      return args.contains("\"a\"") ? "A" : "B";
    });
    return o;
  }

  @Test
  public void aRealJob() {
    try (ScriptedServer llm = ScriptedServer.start(TWO_SEARCHES);
        Orchestrator o = agent(llm, new CountDownLatch(2));
        Recorder rec = new Recorder()) {
      assertTrue(llm.url(), llm.url().startsWith("http://127.0.0.1:" + llm.port()));
      assertEquals(llm.url(), llm.url("anthropic"));
      rec.recordAll(o.start("{\"prompt\": \"find a and b\"}"));
      assertOnlyCalls(rec, Call.of("search", "{\"q\": \"b\"}"), Call.of("search", "{\"q\": \"a\"}"));
      assertParallel(rec, "search");
      assertMaxRunning(rec, 2);
      assertAnswer(rec, "found: A,B");
      assertNoDuplicateResults(rec, llm);
      assertResultsMatched(llm);
      assertEquals(2, llm.stat("requests.total"));
      assertEquals(2, llm.stat("tool_calls_issued"));
      assertEquals(2, llm.stat("tool_results_seen"));
      assertEquals(-1, llm.stat("no.such.counter"));
      String seen = llm.seen();
      assertTrue(seen, seen.contains("\"name\":\"search\"") && seen.contains("\"content\":\"A\""));
    }
  }

  @Test
  public void theRecorderAsTheJobsListener() throws Exception {
    try (ScriptedServer llm = ScriptedServer.start(TWO_SEARCHES);
        Orchestrator o = agent(llm, new CountDownLatch(2));
        Recorder rec = new Recorder()) {
      Job job = o.start("{\"prompt\": \"find a and b\"}", rec::record);
      assertTrue(rec.await(EventType.JOB_DONE, 1, Duration.ofSeconds(30)));
      assertEquals("found: A,B", job.result().get().text());
      assertAnswer(rec, "found: A,B");
      assertEquals(2, rec.count(EventType.CALL_STARTED));
      assertEquals(false, rec.await(EventType.JOB_DONE, 2, Duration.ofMillis(10)));
    }
  }

  static String post(ScriptedServer llm, String messages) throws Exception {
    String body = "{\"model\": \"m\", \"stream\": false, \"messages\": " + messages + "}";
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(llm.url("openai") + "/v1/chat/completions"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(r.body(), 200, r.statusCode());
    return r.body();
  }

  /** Round 1 of a conversation whose round 0 issued call id, with these tool results. */
  static String round1(String id, String... resultIds) {
    StringBuilder m = new StringBuilder("[{\"role\": \"user\", \"content\": \"go\"}, {\"role\": \"assistant\", "
        + "\"content\": null, \"tool_calls\": [{\"id\": \"" + id + "\", \"type\": \"function\", \"function\": "
        + "{\"name\": \"search\", \"arguments\": \"{}\"}}]}");
    for (String r : resultIds) {
      m.append(", {\"role\": \"tool\", \"tool_call_id\": \"").append(r).append("\", \"content\": \"x\"}");
    }
    return m.append("]").toString();
  }

  @Test
  public void resultsThatMatchNothing() throws Exception {
    try (ScriptedServer llm = ScriptedServer.start(
        """
        {"rounds": [{"tool_calls": [{"name": "search", "arguments": {"q": "a"}}]}, {"text": "done"}]}""")) {
      post(llm, "[{\"role\": \"user\", \"content\": \"go\"}]");
      Matcher m = Pattern.compile("\"calls\":\\[\\{\"id\":\"([^\"]+)\"").matcher(llm.seen());
      assertTrue(llm.seen(), m.find());
      String id = m.group(1);

      // The issued id answered, and one nobody issued.
      post(llm, round1(id, id, "call_bogus"));
      AssertionError e = assertThrows(AssertionError.class, () -> assertResultsMatched(llm));
      assertTrue(e.getMessage(), e.getMessage().contains("call_bogus: answers no call the server issued"));
      assertEquals(1, llm.stat("unknown_result_ids"));
      try (Recorder rec = new Recorder()) {
        assertNoDuplicateResults(rec, llm);

        // reset forgets it all; then one call answered twice in a turn.
        llm.reset();
        assertResultsMatched(llm);
        assertEquals(0, llm.stat("requests.total"));
        post(llm, round1(id, id, id));
        e = assertThrows(AssertionError.class, () -> assertNoDuplicateResults(rec, llm));
        assertTrue(e.getMessage(), e.getMessage().contains(id));
        assertNoDuplicateResults(rec, null); // the recorder's side alone is clean
      }
    }
  }

  @Test
  public void startErrors() throws Exception {
    ToolorchException e = assertThrows(ToolorchException.class,
        () -> ScriptedServer.start("{\"rounds\": [{\"tool_calls\": [{\"name\": \"\"}]}]}"));
    assertEquals(Status.CONFIG, e.status());
    assertTrue(e.getMessage(), e.getMessage().contains("rounds[0].tool_calls[0].name"));
    e = assertThrows(ToolorchException.class, () -> ScriptedServer.start(Path.of("/nonexistent/script.json")));
    assertEquals(Status.IO, e.status());
    ScriptedServer s = ScriptedServer.start((String) null);
    try {
      e = assertThrows(ToolorchException.class, () -> ScriptedServer.start(null, s.port())); // the port is taken
      assertEquals(Status.IO, e.status());
      assertThrows(IllegalArgumentException.class, () -> s.url("carrier-pigeon"));
      e = assertThrows(ToolorchException.class, () -> s.setScript("{}"));
      assertTrue(e.getMessage(), e.getMessage().contains("rounds"));
      assertTrue(post(s, "[{\"role\": \"user\", \"content\": \"hi\"}]").contains("Hello from toolorch-mockllm"));
      s.setScript("{\"rounds\": [{\"text\": \"another script\"}]}");
      assertTrue(post(s, "[{\"role\": \"user\", \"content\": \"hi\"}]").contains("another script"));
    } finally {
      s.close();
    }
    s.close(); // twice is fine
    assertThrows(IllegalStateException.class, s::url);
    assertThrows(IllegalStateException.class, () -> assertResultsMatched(s));
    // From a file.
    Path script = Files.createTempFile("toolorch-kit", ".json");
    try {
      Files.writeString(script, "{\"rounds\": [{\"text\": \"from a file\"}]}");
      try (ScriptedServer f = ScriptedServer.start(script)) {
        assertTrue(post(f, "[{\"role\": \"user\", \"content\": \"hi\"}]").contains("from a file"));
      }
    } finally {
      Files.delete(script);
    }
  }
}
