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

    /** Feed the metrics registry (on by default; off: metricsText and user metrics fail with STATE). */
    public Builder metrics(boolean on) {
      obs().put("metrics", on);
      return this;
    }

    /** Serve GET /metrics on the library's loop at "ADDR:PORT" (port 0 picks one: {@link Orchestrator#metricsPort()}). */
    public Builder metricsListen(String addrPort) {
      obs().put("metrics_listen", addrPort);
      return this;
    }

    /** Export traces (OTLP/HTTP JSON) to {@code <endpoint>/v1/traces}. */
    public Builder otlpEndpoint(String url) {
      obs().put("otlp_endpoint", url);
      return this;
    }

    /** The share of root traces kept, 0..1 (default 1). */
    public Builder traceSample(double ratio) {
      obs().put("trace_sample", ratio);
      return this;
    }

    /** The traces' service.name (default "toolorch"). */
    public Builder serviceName(String name) {
      obs().put("service_name", name);
      return this;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> obs() {
      return (Map<String, Object>) f.computeIfAbsent("observability", k -> new LinkedHashMap<String, Object>());
    }

    public Options build() {
      return new Options(Json.of(f));
    }
  }
}
