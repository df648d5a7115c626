package org.toolorch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's request (include/toolorch/job.h), built typed; unset fields keep
 * the library's defaults. {@link Orchestrator#start(String)} takes the JSON
 * text itself, which can hold every key the library knows.
 *
 * <pre>{@code
 * JobRequest.builder().prompt("Weather in Paris?").maxRounds(4)
 *     .group("research", List.of("arxiv", "web"), GroupPolicy.builder().keepTopN(1).build()).build()
 * }</pre>
 */
public final class JobRequest {
  private final String json;

  private JobRequest(String json) {
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
    private final List<Object> messages = new ArrayList<>();
    private final List<Object> groups = new ArrayList<>();

    private Builder put(String key, Object value) {
      f.put(key, value);
      return this;
    }

    public Builder prompt(String text) {
      return put("prompt", text);
    }

    /** One message of the conversation, instead of a prompt. */
    public Builder message(String role, String content) {
      messages.add(Map.of("role", role, "content", content));
      return this;
    }

    public Builder system(String text) {
      return put("system", text);
    }

    public Builder model(String name) {
      return put("model", name);
    }

    /** The tools the model may call (default: every registered tool). */
    public Builder tools(List<String> names) {
      return put("tools", List.copyOf(names));
    }

    public Builder maxRounds(int n) {
      return put("max_rounds", n);
    }

    public Builder maxTokens(int n) {
      return put("max_tokens", n);
    }

    public Builder stream(boolean on) {
      return put("stream", on);
    }

    public Builder parallelToolCalls(boolean on) {
      return put("parallel_tool_calls", on);
    }

    public Builder toolChoice(String choice) {
      return put("tool_choice", choice);
    }

    /** "safe" (default), "all" or "off". */
    public Builder eagerDispatch(String how) {
      return put("eager_dispatch", how);
    }

    public Builder llmTimeoutMs(long ms) {
      return put("llm_timeout_ms", ms);
    }

    public Builder totalTimeoutMs(long ms) {
      return put("total_timeout_ms", ms);
    }

    public Builder llmRetries(int n) {
      return put("llm_retries", n);
    }

    /** A failure a tool marks fatal cancels the other calls of its round. */
    public Builder cancelSiblingsOnFailure(boolean cancel) {
      return put("on_failure", cancel ? "cancel_siblings" : "isolate");
    }

    /** A branch group: the calls of one round to these tools, under policy. */
    public Builder group(String name, List<String> tools, GroupPolicy policy) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("name", name);
      g.put("tools", List.copyOf(tools));
      if (policy != null) {
        if (policy.fields.containsKey("")) {
          throw new IllegalArgumentException("a job's group takes a built GroupPolicy, not one from JSON");
        }
        g.putAll(policy.fields);
      }
      groups.add(g);
      return this;
    }

    public JobRequest build() {
      Map<String, Object> all = new LinkedHashMap<>(f);
      if (!messages.isEmpty()) all.put("messages", List.copyOf(messages));
      if (!groups.isEmpty()) all.put("groups", List.copyOf(groups));
      return new JobRequest(Json.of(all));
    }
  }
}
