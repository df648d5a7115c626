package org.toolorch.testing;

import java.nio.file.Path;
import java.util.function.LongFunction;
import org.toolorch.ToolorchException;

/**
 * The project's scripted LLM server, started in the test's process on a free
 * loopback port (toolorch_testing_server): it speaks OpenAI Chat Completions
 * and Responses, Anthropic Messages and Gemini, and plays a JSON script of
 * rounds (tool calls, text, latencies, faults; docs/TESTING.md "Scripts").
 * Point the agent's LLM base URL at {@link #url()}; any API key will do.
 *
 * <pre>{@code
 * try (ScriptedServer llm = ScriptedServer.start(script)) {
 *   ... Options.builder().llm("openai", llm.url(), null, "gpt-4o-mini") ...
 *   assertEquals(2, llm.stat("requests.total"));
 * }
 * }</pre>
 *
 * Thread-safe except {@link #seen()} (one thread at a time) and
 * {@link #close()} (not while other calls on it run).
 */
public final class ScriptedServer implements AutoCloseable {
  private long handle; // guarded by this; 0 once closed

  private ScriptedServer(long handle) {
    this.handle = handle;
  }

  /**
   * Starts the server playing scriptJson (null: one round of plain text).
   *
   * @throws ToolorchException status CONFIG for a bad script, naming the
   *     field (as "rounds[0].tool_calls[1].name: must be a non-empty string")
   */
  public static ScriptedServer start(String scriptJson) {
    return start(scriptJson, null, 0);
  }

  /** Starts the server playing the script in a file (status IO if it cannot be read). */
  public static ScriptedServer start(Path script) {
    return start(null, script.toString(), 0);
  }

  /** Starts the server on this loopback port (0: a free one; status IO if it is taken). */
  public static ScriptedServer start(String scriptJson, int port) {
    return start(scriptJson, null, port);
  }

  private static ScriptedServer start(String script, String path, int port) {
    long h = TestingNative.toolorch_testing_bind_server_start(Utf8.bytes(script), Utf8.bytes(path), port);
    if (h == 0) {
      throw new ToolorchException(TestingNative.toolorch_testing_bind_status(),
          "scripted LLM server: " + Utf8.str(TestingNative.toolorch_testing_bind_error()));
    }
    return new ScriptedServer(h);
  }

  /** The base URL for the LLM options' base_url, e.g. "http://127.0.0.1:41234" (any protocol). */
  public String url() {
    return url(null);
  }

  /**
   * The base URL for protocol ("openai", "openai-responses", "anthropic",
   * "gemini"; null: any).
   *
   * @throws IllegalArgumentException for an unknown protocol
   */
  public synchronized String url(String protocol) {
    String u = Utf8.str(TestingNative.toolorch_testing_server_url(live(), Utf8.bytes(protocol)));
    if (u == null) throw new IllegalArgumentException("no such protocol: " + protocol);
    return u;
  }

  /** The port it listens on. */
  public synchronized int port() {
    return TestingNative.toolorch_testing_server_port(live());
  }

  /**
   * What the server saw, as JSON: {@code {"stats": {...}, "requests": [...],
   * "calls": [...] (tool calls issued), "results": [...] (results answered),
   * "unknown_result_ids", "duplicate_result_ids", "missing_result_ids",
   * "truncated"}} (include/toolorch/testing.h has every field).
   */
  public synchronized String seen() {
    return Utf8.str(TestingNative.toolorch_testing_server_seen(live()));
  }

  /**
   * One counter of seen()'s "stats" by dotted name ("requests.total",
   * "tool_results_seen", "round_requests.1", "faults_injected.http_429"); -1
   * if there is no such counter.
   */
  public synchronized long stat(String name) {
    return TestingNative.toolorch_testing_server_stat(live(), Utf8.bytes(name));
  }

  /**
   * Plays another script from now on (its faults armed afresh).
   *
   * @throws ToolorchException status CONFIG for a bad script, naming the field
   */
  public synchronized void setScript(String scriptJson) {
    int rc = TestingNative.toolorch_testing_bind_set_script(live(), Utf8.bytes(scriptJson));
    if (rc != 0) {
      throw new ToolorchException(rc, "scripted LLM server: " + Utf8.str(TestingNative.toolorch_testing_bind_error()));
    }
  }

  /** Zeroes the counters, forgets what was seen and re-arms the faults. */
  public synchronized void reset() {
    TestingNative.toolorch_testing_server_reset(live());
  }

  /** Stops the server (answers under way end, connections close); twice is fine. */
  @Override
  public synchronized void close() {
    if (handle != 0) {
      TestingNative.toolorch_testing_server_stop(handle);
      handle = 0;
    }
  }

  /** Runs f on the C handle under the server's lock, so close() cannot free it meanwhile. */
  synchronized <T> T with(LongFunction<T> f) {
    return f.apply(live());
  }

  private long live() {
    if (handle == 0) throw new IllegalStateException("the scripted LLM server is stopped");
    return handle;
  }
}
