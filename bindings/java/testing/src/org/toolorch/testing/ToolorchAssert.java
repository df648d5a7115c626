package org.toolorch.testing;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Assert;

/**
 * JUnit 4 assertions over a {@link Recorder} (and a {@link ScriptedServer}):
 * each states one expectation of include/toolorch/testing.h and, when it does
 * not hold, fails the test ({@link Assert#fail}, a java.lang.AssertionError)
 * with the kit's message of what happened instead, e.g.
 *
 * <pre>
 * expect_parallel: the 3 calls to weather did not all run at once: call weather {"city":"Paris"}
 * [call_...1] ended (event #5) before call weather {"city":"Rome"} [call_...3] started (event #8); ...
 * </pre>
 *
 * <pre>{@code
 * import static org.toolorch.testing.ToolorchAssert.*;
 *
 * assertOnlyCalls(rec, Call.of("weather", "{\"city\": \"Rome\"}"), Call.of("weather", "{\"city\": \"Oslo\"}"));
 * assertParallel(rec, "weather");
 * assertAnswer(rec, "Forecast: ...");
 * }</pre>
 *
 * The logic is the C kit's; these only carry its verdict into JUnit.
 */
public final class ToolorchAssert {
  private ToolorchAssert() {}

  /**
   * These calls were made, in any order (each expected call needs a call of
   * its own); with only, no other call was made either.
   */
  public static void assertCalls(Recorder rec, List<Call> calls, boolean only) {
    String json = calls.stream().map(Call::toJson).collect(Collectors.joining(",", "[", "]"));
    byte[] failure = rec.with(h -> TestingNative.toolorch_testing_bind_expect_calls(h, Utf8.bytes(json), only ? 1 : 0));
    // Arguments that are not JSON break the whole list: show it, so the bad text is found.
    if (failure != null && Utf8.str(failure).contains("calls_json must be")) {
      Assert.fail(Utf8.str(failure) + "\n  (an expected call's argumentsJson is not JSON?) the calls as sent: " + json);
    }
    check(failure);
  }

  /** The same, the calls as the C kit's JSON: [{"tool": "weather", "arguments": {"city": "Oslo"}}, ...]. */
  public static void assertCalls(Recorder rec, String callsJson, boolean only) {
    check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_calls(h, Utf8.bytes(callsJson), only ? 1 : 0)));
  }

  /** These calls were made, in any order (others may have been made too). */
  public static void assertCalls(Recorder rec, Call... calls) {
    assertCalls(rec, Arrays.asList(calls), false);
  }

  /** These calls were made, in any order, and no other. */
  public static void assertOnlyCalls(Recorder rec, Call... calls) {
    assertCalls(rec, Arrays.asList(calls), true);
  }

  /**
   * The calls to tool (null: every call; at least two) ran in parallel: all
   * of them started before any of them ended. Needs CALL_STARTED events
   * (emit_call_started) or TOOL_CALL events.
   */
  public static void assertParallel(Recorder rec, String tool) {
    check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_parallel(h, Utf8.bytes(tool))));
  }

  /** At most max calls ran at once. */
  public static void assertMaxRunning(Recorder rec, int max) {
    check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_max_running(h, max)));
  }

  /** A call to (or with the id) toolOrId (null: any call) ended cancelled. */
  public static void assertCancelled(Recorder rec, String toolOrId) {
    check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_cancelled(h, Utf8.bytes(toolOrId))));
  }

  /** The job ended (its last JOB_DONE) successfully with exactly this answer. */
  public static void assertAnswer(Recorder rec, String answer) {
    if (answer == null) throw new IllegalArgumentException("assertAnswer needs an answer");
    check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_answer(h, Utf8.bytes(answer))));
  }

  /**
   * No call's result was delivered twice: at most one CALL_RESULT per call
   * id, and, with a server (may be null), no request carried two results for
   * one call.
   */
  public static void assertNoDuplicateResults(Recorder rec, ScriptedServer server) {
    if (server == null) {
      check(rec.with(h -> TestingNative.toolorch_testing_bind_expect_no_duplicate_results(h, 0)));
      return;
    }
    check(rec.with(h -> server.with(s -> TestingNative.toolorch_testing_bind_expect_no_duplicate_results(h, s))));
  }

  /**
   * The server's side: every tool result the model got answers a call it
   * issued, none twice, none missing.
   */
  public static void assertResultsMatched(ScriptedServer server) {
    check(server.with(TestingNative::toolorch_testing_bind_expect_results_matched));
  }

  private static void check(byte[] failure) {
    if (failure != null) Assert.fail(Utf8.str(failure));
  }
}
