package org.toolorch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tool with every setting of include/toolorch/tool.h, for
 * {@link Orchestrator#register(ToolSpec)}. Exactly one of {@link Builder#function},
 * {@link Builder#http} or {@link Builder#command} says what runs a call.
 *
 * <pre>{@code
 * o.register(ToolSpec.builder("search").http("https://search.example/api", "Authorization: Bearer ...")
 *     .service("search").maxParallel(4).timeout(Duration.ofSeconds(5))
 *     .retry(2, Backoff.EXPONENTIAL, Duration.ofMillis(200), Duration.ofSeconds(2)).build());
 * }</pre>
 */
public final class ToolSpec {
  /** How the wait between attempts grows (toolorch_backoff). */
  public enum Backoff {
    EXPONENTIAL, LINEAR, FIXED
  }

  final String name;
  final String description;
  final String schemaJson;
  final int flags;
  final String service;
  final int maxParallel;
  final long timeoutMs;
  final int retryAttempts; // -1: no policy
  final Backoff backoff;
  final long backoffBaseMs;
  final long backoffMaxMs;
  final Tool function;
  final String url;
  final List<String> headers;
  final List<String> command;

  private ToolSpec(Builder b) {
    name = b.name;
    description = b.description;
    schemaJson = b.schemaJson;
    flags = b.flags;
    service = b.service;
    maxParallel = b.maxParallel;
    timeoutMs = b.timeoutMs;
    retryAttempts = b.retryAttempts;
    backoff = b.backoff;
    backoffBaseMs = b.backoffBaseMs;
    backoffMaxMs = b.backoffMaxMs;
    function = b.function;
    url = b.url;
    headers = List.copyOf(b.headers);
    command = b.command == null ? null : List.copyOf(b.command);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public static final class Builder {
    private final String name;
    private String description = "";
    private String schemaJson;
    private int flags;
    private String service = "";
    private int maxParallel;
    private long timeoutMs;
    private int retryAttempts = -1;
    private Backoff backoff = Backoff.EXPONENTIAL;
    private long backoffBaseMs;
    private long backoffMaxMs;
    private Tool function;
    private String url;
    private final List<String> headers = new ArrayList<>();
    private List<String> command;

    private Builder(String name) {
      this.name = name;
    }

    public Builder description(String d) {
      description = d;
      return this;
    }

    /** JSON Schema of the arguments (an object schema). */
    public Builder schema(String json) {
      schemaJson = json;
      return this;
    }

    /** {@link Orchestrator#SIDE_EFFECT_FREE}, {@link Orchestrator#RETRYABLE}, OR-ed. */
    public Builder flags(int f) {
      flags = f;
      return this;
    }

    /** The service whose rate limits the calls take permits of. */
    public Builder service(String s) {
      service = s;
      return this;
    }

    /** This tool's own cap on calls running at once (0: only the global cap). */
    public Builder maxParallel(int n) {
      maxParallel = n;
      return this;
    }

    /** The deadline of one call (zero: the context's tool_timeout_ms). */
    public Builder timeout(Duration d) {
      timeoutMs = d.toMillis();
      return this;
    }

    /** Up to attempts more attempts after the first, waiting base growing per backoff, capped at max. */
    public Builder retry(int attempts, Backoff how, Duration base, Duration max) {
      retryAttempts = attempts;
      backoff = how;
      backoffBaseMs = base.toMillis();
      backoffMaxMs = max.toMillis();
      return this;
    }

    /** A tool written in Java. */
    public Builder function(Tool t) {
      function = t;
      return this;
    }

    /** An HTTP endpoint the library POSTs the arguments to; headers "Name: value". */
    public Builder http(String endpoint, String... requestHeaders) {
      url = endpoint;
      headers.addAll(List.of(requestHeaders));
      return this;
    }

    /** A program the library runs (no shell, looked up in PATH), arguments on its stdin. */
    public Builder command(String... argv) {
      command = List.of(argv);
      return this;
    }

    public ToolSpec build() {
      int kinds = (function != null ? 1 : 0) + (url != null ? 1 : 0) + (command != null ? 1 : 0);
      if (kinds != 1) {
        throw new ToolorchException(Status.INVALID.code(), "a tool needs exactly one of function, http or command");
      }
      return new ToolSpec(this);
    }
  }
}
