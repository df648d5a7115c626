package org.toolorch.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.toolorch.testing.ToolorchAssert.assertAnswer;
import static org.toolorch.testing.ToolorchAssert.assertCalls;
import static org.toolorch.testing.ToolorchAssert.assertCancelled;
import static org.toolorch.testing.ToolorchAssert.assertMaxRunning;
import static org.toolorch.testing.ToolorchAssert.assertNoDuplicateResults;
import static org.toolorch.testing.ToolorchAssert.assertOnlyCalls;
import static org.toolorch.testing.ToolorchAssert.assertParallel;

import java.util.List;
import org.junit.After;
import org.junit.Test;
import org.junit.function.ThrowingRunnable;
import org.toolorch.CallState;
import org.toolorch.Event;
import org.toolorch.EventType;
import org.toolorch.Status;

/**
 * Each assertion of the kit on a made-up history of events: it passes when
 * the history satisfies it, and fails (a JUnit AssertionError) with the C
 * kit's message when it does not. ScriptedServerTest runs a real job.
 */
public class ToolorchAssertTest {
  private final Recorder rec = new Recorder();

  @After
  public void free() {
    rec.close();
  }

  static Event ev(EventType type, String id, String tool, String json, String text, CallState state, int code) {
    return new Event(type, id, tool, json, text, state, code, 0, 0, 0, 0, 0, 0);
  }

  void started(String id, String tool, String args) {
    rec.record(ev(EventType.CALL_STARTED, id, tool, args, "", CallState.RUNNING, 0));
  }

  void ended(String id, String tool, CallState state) {
    rec.record(ev(EventType.CALL_RESULT, id, tool, "", "ok", state, 0));
  }

  void llmCall(String id, String tool, String args) {
    rec.record(ev(EventType.LLM_TOOL_CALL, id, tool, args, "", CallState.PENDING, 0));
  }

  void answered(String text, int code) {
    rec.record(ev(EventType.JOB_DONE, "", "", "[]", text, CallState.PENDING, code));
  }

  /** The assertion fails with a message that contains want. */
  static void fails(String want, ThrowingRunnable assertion) {
    AssertionError e = assertThrows(AssertionError.class, assertion);
    assertTrue("the message was: " + e.getMessage(), e.getMessage().contains(want));
  }

  @Test
  public void calls() {
    llmCall("a", "search", "{\"q\": \"x\", \"opts\": {\"n\": 2, \"lang\": \"en\"}}");
    llmCall("b", "search", "{\"q\":\"y\"}");
    llmCall("c", "fetch", "{}");
    // Any order; key order and spacing ignored; null arguments: any.
    Call x = Call.of("search", "{\"opts\": {\"lang\": \"en\", \"n\": 2}, \"q\": \"x\"}");
    Call y = Call.of("search", "{\"q\": \"y\"}");
    assertCalls(rec, y, x);
    assertCalls(rec, List.of(x, y), false);
    assertOnlyCalls(rec, Call.of("fetch"), y, x);
    assertCalls(rec, "[{\"tool\": \"fetch\", \"arguments\": {}}]", false);
    // Only: fetch was made too.
    fails("1 call(s) made but not expected:\n  fetch {} [c]", () -> assertOnlyCalls(rec, x, y));
    fails("1 call(s) made but not expected", () -> assertCalls(rec, List.of(x, y), true));
    // Wrong arguments; a call expected twice that was made once.
    fails("1 expected call(s) not made:\n  search {\"q\":\"z\"}",
        () -> assertCalls(rec, Call.of("search", "{\"q\": \"z\"}")));
    fails("not made", () -> assertCalls(rec, Call.of("fetch"), Call.of("fetch")));
    // A tool name that needs quoting reaches the C kit intact.
    fails("se\"arch", () -> assertCalls(rec, Call.of("se\"arch")));
    // Bad expectations are failures with a reason.
    fails("must be a JSON array", () -> assertCalls(rec, "[{\"tool\":", false));
    fails("the calls as sent: [{\"tool\":\"search\",\"arguments\":{q: 1}}]",
        () -> assertCalls(rec, Call.of("search", "{q: 1}")));
    assertThrows(IllegalArgumentException.class, () -> Call.of(null));
  }

  @Test
  public void parallelAndMaxRunning() {
    // No starts recorded: the message says how to get them.
    ended("c0", "fetch", CallState.SUCCEEDED);
    fails("2 needed", () -> assertParallel(rec, null));
    fails("emit_call_started", () -> assertMaxRunning(rec, 5));
    assertEquals(-1, rec.maxRunning());
    rec.clear();
    assertEquals(0, rec.count(EventType.NONE));

    // a and b overlap; c runs after both.
    started("a", "fetch", "{}");
    started("b", "fetch", "{}");
    ended("a", "fetch", CallState.SUCCEEDED);
    ended("b", "fetch", CallState.SUCCEEDED);
    started("c", "write", "{}");
    ended("c", "write", CallState.SUCCEEDED);
    assertParallel(rec, "fetch");
    assertMaxRunning(rec, 2);
    assertEquals(2, rec.maxRunning());
    fails("2 calls ran at once, at most 1 expected", () -> assertMaxRunning(rec, 1));
    fails("ended (event #2) before call write {} [c] started (event #4)", () -> assertParallel(rec, null));
    assertEquals(3, rec.count(EventType.CALL_RESULT));
    assertEquals(6, rec.count(EventType.NONE));
  }

  @Test
  public void cancelled() {
    started("a", "slow", "{}");
    ended("a", "slow", CallState.TIMED_OUT);
    fails("slow {} [a]: ended, not cancelled", () -> assertCancelled(rec, "slow"));
    started("b", "slow", "{}");
    ended("b", "slow", CallState.CANCELLED);
    assertCancelled(rec, "slow");
    assertCancelled(rec, "b");
    assertCancelled(rec, null);
    fails("not cancelled", () -> assertCancelled(rec, "a"));
  }

  @Test
  public void answer() {
    fails("no JOB_DONE", () -> assertAnswer(rec, "42"));
    answered("41", 0);
    fails("the job answered \"41\"", () -> assertAnswer(rec, "42"));
    answered("42", 0);
    assertAnswer(rec, "42");
    // Not ASCII: crosses as UTF-8 both ways.
    answered("Zürich 🌧 12°C", 0);
    assertAnswer(rec, "Zürich 🌧 12°C");
    fails("Zürich 🌧 12°C", () -> assertAnswer(rec, "Zürich"));
    answered("boom", Status.MAX_ROUNDS.code());
    fails("the job failed with", () -> assertAnswer(rec, "42"));
  }

  @Test
  public void noDuplicateResults() {
    started("b", "slow", "{}");
    ended("b", "slow", CallState.SUCCEEDED);
    assertNoDuplicateResults(rec, null);
    ended("b", "slow", CallState.SUCCEEDED);
    fails("slow {} [b]: 2 CALL_RESULT events", () -> assertNoDuplicateResults(rec, null));
    // The events as JSON, for a failing test's log.
    String json = rec.json();
    assertTrue(json, json.startsWith("[") && json.contains("\"type\":\"call_result\""));
  }

  @Test
  public void closedRecorder() {
    Recorder r = new Recorder();
    r.close();
    r.close(); // twice is fine
    assertThrows(IllegalStateException.class, () -> assertAnswer(r, "x"));
    assertThrows(IllegalStateException.class, () -> r.record(ev(EventType.JOB_DONE, "", "", "", "", null, 0)));
  }
}
