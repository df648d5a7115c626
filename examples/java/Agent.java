/*
 * The example agent, in Java: a weather tool written in Java, a job that asks
 * about three cities, the model's calls run at once, text streamed as it
 * comes. With OPENAI_API_KEY set it talks to OpenAI; otherwise it starts the
 * project's scripted LLM server (TOOLORCH_MOCKLLM) on a free loopback port.
 *
 *   cmake --build build --target run_example_java
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.toolorch.Event;
import org.toolorch.Job;
import org.toolorch.JobResult;
import org.toolorch.Orchestrator;

public class Agent {
  static final String PROMPT = "What is the weather in Paris, Oslo and Lima? Which city is warmest?";

  /** What the scripted server plays when there is no API key. */
  static final String SCRIPT = """
      {"rounds": [
        {"text": "Let me check the three cities. ", "tool_calls": [
           {"name": "weather", "arguments": {"city": "Paris"}},
           {"name": "weather", "arguments": {"city": "Oslo"}},
           {"name": "weather", "arguments": {"city": "Lima"}}]},
        {"text": "Here is what the weather tool says: {tool_results}. Lima is the warmest."}],
       "chunk_gap_ms": 5}""";

  static final Map<String, Integer> TEMPERATURES = Map.of("Paris", 18, "Oslo", 7, "Lima", 24);
  static final Pattern CITY = Pattern.compile("\"city\"\\s*:\\s*\"([^\"]*)\"");

  /** The tool: a fixed table, and a pause to show the calls overlap. */
  static String weather(String argsJson) throws Exception {
    Matcher m = CITY.matcher(argsJson);
    String city = m.find() ? m.group(1) : "";
    Thread.sleep(300); // interrupted if the call is cancelled
    Integer c = TEMPERATURES.get(city);
    if (c == null) throw new IllegalArgumentException("no weather station in \"" + city + "\"");
    return "{\"city\":\"" + city + "\",\"celsius\":" + c + "}";
  }

  public static void main(String[] args) throws Exception {
    String llm = "{\"protocol\": \"openai\", \"api_key_env\": \"OPENAI_API_KEY\", \"model\": \"gpt-4o-mini\"}";
    Process mock = null;
    if (System.getenv("OPENAI_API_KEY") == null) {
      String bin = System.getenv().getOrDefault("TOOLORCH_MOCKLLM", "../../build/tools/mockllm/toolorch-mockllm");
      Path script = Files.createTempFile("toolorch-example", ".json");
      Files.writeString(script, SCRIPT);
      script.toFile().deleteOnExit();
      mock = new ProcessBuilder(bin, "--port", "0", "--script", script.toString()).start();
      String line = new BufferedReader(new InputStreamReader(mock.getInputStream())).readLine();
      if (line == null || !line.startsWith("listening on ")) throw new IllegalStateException("no scripted server");
      String addr = line.substring("listening on ".length());
      llm = "{\"protocol\": \"openai\", \"base_url\": \"http://" + addr + "\", \"api_key\": \"none\", \"model\": \"mock\"}";
      System.err.println("(no OPENAI_API_KEY: using the scripted LLM server at " + addr + ")");
    }
    long start = System.nanoTime();
    try (Orchestrator o = new Orchestrator("{\"llm\": " + llm + "}")) {
      o.registerTool("weather", "Current temperature of a city",
          "{\"type\":\"object\",\"required\":[\"city\"],\"properties\":{\"city\":{\"type\":\"string\"}}}",
          Orchestrator.SIDE_EFFECT_FREE, Agent::weather);
      Job job = o.start("{\"prompt\": \"" + PROMPT + "\", \"max_rounds\": 4}");
      for (Event e : job.events()) {
        switch (e.type()) {
          case TEXT_DELTA -> System.out.print(e.text());
          case LLM_TOOL_CALL -> System.err.printf("%n  -> %s %s", e.tool(), e.json());
          case CALL_RESULT -> System.err.printf("%n  <- %s %s after %d ms: %s", e.tool(),
              e.state().name().toLowerCase(), e.runMicros() / 1000, e.text());
          case ROUND_DONE -> System.out.println();
          default -> {}
        }
      }
      JobResult r = job.result().get();
      System.out.printf("%nanswer: %s%n(%d+%d tokens, %d ms)%n", r.text(), r.inputTokens(), r.outputTokens(),
          (System.nanoTime() - start) / 1_000_000);
    } finally {
      if (mock != null) mock.destroy();
    }
  }
}
