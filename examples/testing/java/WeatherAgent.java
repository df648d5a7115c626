import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.toolorch.Job;
import org.toolorch.JobRequest;
import org.toolorch.Options;
import org.toolorch.Orchestrator;

/**
 * A weather agent built on toolorch: the model asks for the tool "weather"
 * once per city, the agent looks each city up with a weather service, and the
 * model writes the forecast. WeatherAgentTest tests it with the test kit.
 */
public final class WeatherAgent implements AutoCloseable {
  /** The weather service: the forecast for a city. */
  public interface Service {
    String lookup(String city) throws Exception;
  }

  /**
   * Which LLM the agent talks to.
   *
   * @param apiKeyEnv the environment variable holding the API key (null: none)
   * @param emitCallStarted tests: report each call's start
   */
  public record Config(String baseUrl, String apiKeyEnv, String model, boolean emitCallStarted) {}

  private static final Pattern CITY = Pattern.compile("\"city\"\\s*:\\s*\"([^\"]*)\"");
  private final Orchestrator o;

  public WeatherAgent(Config cfg, Service service) {
    o = new Orchestrator(Options.builder().maxParallelTools(8).emitCallStarted(cfg.emitCallStarted())
        .llm("openai", cfg.baseUrl(), cfg.apiKeyEnv(), cfg.model()).build());
    String schema = """
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";
    o.registerTool("weather", "The weather forecast for a city", schema, Orchestrator.SIDE_EFFECT_FREE, args -> {
      Matcher m = CITY.matcher(args);
      if (!m.find()) throw new IllegalArgumentException("no city in " + args);
      return service.lookup(m.group(1));
    });
  }

  /** Starts a job answering question. */
  public Job ask(String question) {
    return o.start(JobRequest.builder().prompt(question).tools(List.of("weather")).build(), null);
  }

  @Override
  public void close() {
    o.close();
  }
}
