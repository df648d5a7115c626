package org.toolorch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/**
 * Metrics through the Java layer: user counters, gauges and histograms, the
 * exposition text, the built-in /metrics endpoint (Options.metricsListen),
 * the library's own families after a batch, and the failures.
 */
public class MetricsTest {
  private static void hasLine(String text, String line) {
    assertTrue("no line " + line + " in:\n" + text, Arrays.asList(text.split("\n")).contains(line));
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
  public void userAndBuiltInMetrics() throws Exception {
    try (Orchestrator o = new Orchestrator(Options.builder().metricsListen("127.0.0.1:0").build())) {
      o.registerTool("ok", a -> "fine");
      Counter requests = o.counter("app_requests_total", "Requests served.", "route");
      requests.inc("/a");
      requests.add(2, "/a");
      requests.inc("say \"hi\"\n"); // escaped as the format wants
      Gauge queue = o.gauge("app_queue_depth", "Items waiting.");
      queue.set(5);
      queue.add(-1.5);
      Histogram latency = o.histogram("app_latency_seconds", "Latency.", new double[] {0.1, 1}, "route");
      for (double v : new double[] {0.05, 0.5, 3}) latency.observe(v, "/a");
      o.counter("app_requests_total", "Requests served.", "route").inc("/a"); // the same metric again

      List<BatchCall> calls = new ArrayList<>();
      for (int i = 0; i < 5; i++) calls.add(new BatchCall("ok", "{}"));
      o.runBatch(calls);

      String text = o.metricsText();
      hasLine(text, "# TYPE app_requests_total counter");
      hasLine(text, "app_requests_total{route=\"/a\"} 4");
      hasLine(text, "app_requests_total{route=\"say \\\"hi\\\"\\n\"} 1");
      hasLine(text, "# TYPE app_queue_depth gauge");
      hasLine(text, "app_queue_depth 3.5");
      hasLine(text, "# TYPE app_latency_seconds histogram");
      hasLine(text, "app_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 1");
      hasLine(text, "app_latency_seconds_bucket{route=\"/a\",le=\"1\"} 2");
      hasLine(text, "app_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3");
      hasLine(text, "app_latency_seconds_sum{route=\"/a\"} 3.55");
      hasLine(text, "app_latency_seconds_count{route=\"/a\"} 3");
      hasLine(text, "toolorch_tools_total{tool_name=\"ok\",status=\"succeeded\"} 5");

      int port = o.metricsPort();
      assertTrue("metricsPort " + port, port > 0);
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      hasLine(r.body(), "app_requests_total{route=\"/a\"} 4");
      hasLine(r.body(), "toolorch_tools_total{tool_name=\"ok\",status=\"succeeded\"} 5");
    }
  }

  @Test
  public void failures() {
    try (Orchestrator o = new Orchestrator()) {
      assertEquals(-1, o.metricsPort());
      Counter c = o.counter("app_things_total", "", "kind");
      expectStatus(Status.INVALID, () -> c.inc());
      expectStatus(Status.INVALID, () -> c.inc("a", "b"));
      expectStatus(Status.INVALID, () -> c.add(-1, "a"));
      expectStatus(Status.EXISTS, () -> o.gauge("app_things_total", ""));
      expectStatus(Status.INVALID, () -> o.gauge("toolorch_mine", ""));
      expectStatus(Status.INVALID, () -> o.counter("1abc", ""));
      expectStatus(Status.INVALID, () -> o.histogram("app_h", "", new double[] {1, 0.5}));
      assertFalse(o.metricsText().contains("app_things_total{"));
    }
    Orchestrator quiet = new Orchestrator(Options.builder().metrics(false).build());
    expectStatus(Status.STATE, quiet::metricsText);
    expectStatus(Status.STATE, () -> quiet.counter("app_x_total", ""));
    quiet.close();
    expectStatus(Status.CLOSED, quiet::metricsText);
  }
}
