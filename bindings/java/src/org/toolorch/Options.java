package org.toolorch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The orchestrator's configuration (include/toolorch/opts.h), built typed;
 * unset fields keep the library's defaults. {@link Orchestrator#Orchestrator(String)}
 * takes the JSON text itself, which can hold every key the library knows.
 *
 * <pre>{@code
 * new Orchestrator(Options.builder().maxParallelTools(100)
 *     .llm("openai", null, "OPENAI_API_KEY", "gpt-4o-mini").build())
 * }</pre>
 */
public final class Options {
  private final String json;

  private Options(String json) {
    this.json = json;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String toJson() {
    return json;
  }

  public static final class Builder {
    private final Map<String, Object> f = new LinkedHashMap<>();

    public Builder maxParallelTools(int n) {
      f.put("max_parallel_tools", n);
      return this;
    }

    public Builder toolTimeoutMs(long ms) {
      f.put("tool_timeout_ms", ms);
      return this;
    }

    public Builder maxArgsBytes(long n) {
      f.put("max_args_bytes", n);
      return this;
    }

    public Builder maxResultBytes(long n) {
      f.put("max_result_bytes", n);
      return this;
    }

    /** Report CALL_STARTED events. */
    public Builder emitCallStarted(boolean on) {
      f.put("emit_call_started", on);
      return this;
    }

    /** The provider jobs talk to; null arguments are left out. */
    public Builder llm(String protocol, String baseUrl, String apiKeyEnv, String model) {
      Map<String, Object> l = new LinkedHashMap<>();
      if (protocol != null) l.put("protocol", protocol);
      if (baseUrl != null) l.put("base_url", baseUrl);
      if (apiKeyEnv != null) l.put("api_key_env", apiKeyEnv);
      if (model != null) l.put("model", model);
      f.put("llm", l);
      return this;
    }

    /** The "rate_limits" section as JSON (lib/limits/README.md). */
    public Builder rateLimitsJson(String json) {
      f.put("rate_limits", new Json.Raw(json));
      return this;
    }

    public Options build() {
      return new Options(Json.of(f));
    }
  }
}
