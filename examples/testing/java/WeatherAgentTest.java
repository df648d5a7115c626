import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.toolorch.testing.ToolorchAssert.assertAnswer;
import static org.toolorch.testing.ToolorchAssert.assertCancelled;
import static org.toolorch.testing.ToolorchAssert.assertNoDuplicateResults;
import static org.toolorch.testing.ToolorchAssert.assertMaxRunning;
import static org.toolorch.testing.ToolorchAssert.assertOnlyCalls;
import static org.toolorch.testing.ToolorchAssert.assertParallel;
import static org.toolorch.testing.ToolorchAssert.assertResultsMatched;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;
import org.toolorch.Event;
import org.toolorch.EventType;
import org.toolorch.Job;
import org.toolorch.testing.Call;
import org.toolorch.testing.Recorder;
import org.toolorch.testing.ScriptedServer;

/**
 * Testing the weather agent with toolorch's test kit (docs/TESTING.md): the
 * scripted LLM server instead of a model, a fake weather service, and JUnit
 * assertions.
 */
public class WeatherAgentTest {
  /**
   * A fake weather service: each lookup waits until `expected` lookups are in
   * progress at once (or 10 s pass, or it is opened), so calls run one at a
   * time make assertParallel fail instead of hanging. A cancelled call's
   * thread is interrupted.
   */
  static final class FakeWeather implements WeatherAgent.Service {
    private final int expected;
    private int inProgress; // guarded by this
    private boolean open; // guarded by this

    FakeWeather(int expected) {
      this.expected = expected;
    }

    @Override
    public synchronized String lookup(String city) throws InterruptedException {
      inProgress++;
      notifyAll();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!open && inProgress < expected) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) break;
        wait(left);
      }
      return city + " " + (city.length() * 3 + 3) + "C";
    }

    synchronized void open() {
      open = true;
      notifyAll();
    }
  }

  static final String THREE_CITIES = """
      {"rounds": [
        {"tool_calls": [{"name": "weather", "arguments": {"city": "Paris"}},
                        {"name": "weather", "arguments": {"city": "Oslo"}},
                        {"name": "weather", "arguments": {"city": "Rome"}}]},
        {"text": "Forecast: {tool_results}"}]}""";

  private ScriptedServer llm;
  private FakeWeather fake;
  private WeatherAgent agent;
  private final Recorder rec = new Recorder();

  void start(String script, int expected) {
    llm = ScriptedServer.start(script);
    fake = new FakeWeather(expected);
    agent = new WeatherAgent(new WeatherAgent.Config(llm.url(), null, "gpt-4o-mini", true), fake);
  }

  @After
  public void tearDown() {
    if (fake != null) fake.open();
    if (agent != null) agent.close();
    rec.close();
    if (llm != null) llm.close();
  }

  @Test
  public void looksUpEveryCityAtOnce() {
    start(THREE_CITIES, 3);
    rec.recordAll(agent.ask("Weather in Paris, Oslo and Rome?")); // until the job ends

    assertOnlyCalls(rec, Call.of("weather", "{\"city\": \"Rome\"}"), Call.of("weather", "{\"city\": \"Paris\"}"),
        Call.of("weather", "{\"city\": \"Oslo\"}"));
    assertParallel(rec, "weather");
    assertMaxRunning(rec, 3);
    assertAnswer(rec, "Forecast: Paris 18C,Oslo 15C,Rome 15C");
    assertNoDuplicateResults(rec, llm);
    assertResultsMatched(llm);
    assertEquals(2, llm.stat("requests.total"));
  }

  @Test
  public void survivesAServerError() {
    start("""
        {"rounds": [{"tool_calls": [{"name": "weather", "arguments": {"city": "Lima"}}]},
                    {"text": "Forecast: {tool_results}"}],
         "faults": [{"round": 0, "kind": "http_500", "times": 1}]}""", 1);
    rec.recordAll(agent.ask("Weather in Lima?"));
    assertOnlyCalls(rec, Call.of("weather", "{\"city\": \"Lima\"}"));
    assertAnswer(rec, "Forecast: Lima 15C");
    assertEquals(1, llm.stat("faults_injected.http_500"));
  }

  @Test
  public void cancelStopsTheLookup() {
    start(THREE_CITIES, 99); // never all in: the lookups wait
    Job job = agent.ask("Weather in Paris, Oslo and Rome?");
    int started = 0;
    for (Event e : job.events()) {
      rec.record(e);
      if (e.type() == EventType.CALL_STARTED && ++started == 3) job.cancel(); // the user gives up
    }
    assertCancelled(rec, "weather");
    assertNoDuplicateResults(rec, llm);
    assertThrows(ExecutionException.class, () -> job.result().get());
  }
}
