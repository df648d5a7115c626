package org.toolorch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One toolorch context in event-queue mode. The library runs its loop on a
 * thread of its own; each job and batch has its own event queue in the
 * library, read by one Java thread (the run's consumer) until the run's final
 * event, which the library gives once (CLOSED at {@link #close()} included).
 * The consumer runs each call of a Java tool on an executor thread, which
 * completes it, and hands the other events to its run. No library thread ever
 * calls into the JVM (no JNI attach).
 *
 * <p>Thread-safe. {@link #close()} frees everything; nothing is left to a
 * finaliser.
 */
public final class Orchestrator implements AutoCloseable {
  /** Tool flag: may start before the model's whole answer arrived (eager dispatch). */
  public static final int SIDE_EFFECT_FREE = 0x1;
  /** Tool flag: failures may be retried. */
  public static final int RETRYABLE = 0x4;

  private static final int EVENT_TOOL_CALL = toolorch_event_type.TOOLORCH_EVENT_TOOL_CALL;
  private static final int EVENT_TOOL_CANCELLED = toolorch_event_type.TOOLORCH_EVENT_TOOL_CANCELLED;
  private static final int EVENT_CHAIN_ARGS = toolorch_event_type.TOOLORCH_EVENT_CHAIN_ARGS;
  private static final int EVENT_SCORE = toolorch_event_type.TOOLORCH_EVENT_SCORE;

  private final long ctx;
  // Orders C calls on calls, jobs, batches and the context against close():
  // users hold the read lock, close() takes the write lock to flip the flags.
  final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
  // Call handles must no longer be touched (toolorch_close releases them).
  boolean callsGone; // guarded by life
  // The context is freed.
  volatile boolean ctxGone; // written under life's write lock

  private final Map<String, Tool> tools = new ConcurrentHashMap<>();
  // The closures computing chain steps' arguments, by chain and step name.
  private final Map<String, Map<String, ChainArgs>> chainArgs = new ConcurrentHashMap<>();
  private volatile Scorer scorer; // groups' scorer without their own (setScorer)
  // The Java tool working on each call handle the library handed out (one
  // at a time: a retry is handed out after the last attempt finished).
  private final Map<Long, RunningCall> running = new ConcurrentHashMap<>();
  private final ToolThreads executor = new ToolThreads();
  private final Set<Thread> consumers = new HashSet<>(); // a thread per run until its end; guarded by this
  private boolean closed; // guarded by this
  private boolean closedOnConsumer; // close() ran on a consumer: the last one frees the context; guarded by this

  /** An orchestrator with the library's defaults. */
  public Orchestrator() {
    this((String) null);
  }

  /** An orchestrator configured by typed options. */
  public Orchestrator(Options options) {
    this(options.toJson());
  }

  /**
   * An orchestrator configured by JSON (include/toolorch/opts.h and job.h),
   * e.g. {@code {"max_parallel_tools": 100, "llm": {"protocol": "openai", ...}}}.
   *
   * @throws ToolorchException status CONFIG naming the key, for an unknown key or a wrong type
   */
  public Orchestrator(String configJson) {
    long opts = Native.toolorch_opts_new();
    if (opts == 0) throw new ToolorchException(Status.NO_MEMORY.code(), "");
    try {
      if (configJson != null) {
        int rc = Native.toolorch_opts_from_json(opts, Text.bytes(configJson));
        if (rc != 0) throw new ToolorchException(rc, Text.str(Native.toolorch_opts_last_error(opts)));
      }
      long c = Native.toolorch_bind_new(opts);
      if (c == 0) {
        throw new ToolorchException(Native.toolorch_bind_last_status(), Text.str(Native.toolorch_last_error(0)));
      }
      ctx = c;
    } finally {
      Native.toolorch_opts_free(opts);
    }
  }

  /** Registers a tool that takes any JSON object. */
  public void registerTool(String name, Tool tool) {
    registerTool(name, "", null, 0, tool);
  }

  /**
   * Registers a tool written in Java.
   *
   * @param schemaJson JSON Schema of its arguments (an object schema), or null
   * @param flags {@link #SIDE_EFFECT_FREE}, {@link #RETRYABLE}, or 0
   * @throws ToolorchException EXISTS if the name is taken, SCHEMA for a bad schema
   */
  public void registerTool(String name, String description, String schemaJson, int flags, Tool tool) {
    if (tool == null || name == null) throw new ToolorchException(Status.INVALID.code(), "name and tool are required");
    register(ToolSpec.builder(name).description(description == null ? "" : description).schema(schemaJson)
        .flags(flags).function(tool).build());
  }

  /**
   * Registers a tool with every setting: a Java function, an HTTP endpoint or
   * a command, its service, parallelism cap, deadline and retry policy.
   *
   * @throws ToolorchException EXISTS if the name is taken, SCHEMA for a bad schema, INVALID for a bad setting
   */
  public void register(ToolSpec spec) {
    if (spec.name == null) throw new ToolorchException(Status.INVALID.code(), "a tool needs a name");
    if (spec.function == null) {
      registerC(spec);
      return;
    }
    synchronized (this) {
      if (closed) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      if (tools.putIfAbsent(spec.name, spec.function) != null) {
        throw new ToolorchException(Status.EXISTS.code(), "a tool named \"" + spec.name + "\" is registered already");
      }
    }
    try {
      registerC(spec);
    } catch (RuntimeException e) {
      tools.remove(spec.name, spec.function);
      throw e;
    }
  }

  private void registerC(ToolSpec spec) {
    long t = Native.toolorch_tool_new(Text.bytes(spec.name));
    if (t == 0) throw new ToolorchException(Status.INVALID.code(), "a tool needs a non-empty name");
    try {
      check(Native.toolorch_tool_set_description(t, Text.bytes(spec.description)), "description");
      if (spec.schemaJson != null) check(Native.toolorch_tool_set_schema(t, Text.bytes(spec.schemaJson)), "schema");
      check(Native.toolorch_tool_set_flags(t, spec.flags), "unknown tool flags " + spec.flags);
      check(Native.toolorch_tool_set_service(t, Text.bytes(spec.service)), "service");
      check(Native.toolorch_tool_set_max_parallel(t, spec.maxParallel), "max_parallel");
      check(Native.toolorch_tool_set_timeout_ms(t, spec.timeoutMs), "timeout");
      if (spec.retryAttempts >= 0) {
        check(Native.toolorch_tool_set_retry(t, spec.retryAttempts, spec.backoff.ordinal(), spec.backoffBaseMs,
            spec.backoffMaxMs), "retry");
      }
      if (spec.url != null) {
        check(Native.toolorch_tool_set_http(t, Text.bytes(spec.url)), "url");
        for (String h : spec.headers) check(Native.toolorch_tool_add_http_header(t, Text.bytes(h)), "header");
      }
      if (spec.command != null) {
        check(Native.toolorch_tool_set_command(t, Text.bytes(Json.of(spec.command))), "command");
      }
      life.readLock().lock();
      try {
        if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
        int rc = Native.toolorch_register_tool(ctx, t);
        if (rc != 0) throw new ToolorchException(rc, Text.str(Native.toolorch_last_error(ctx)));
      } finally {
        life.readLock().unlock();
      }
    } finally {
      Native.toolorch_tool_free(t);
    }
  }

  /**
   * Registers a chain of tools from its JSON form (docs/CHAINS.md): parallel
   * groups and sequences of tool calls whose arguments refer to the chain's
   * input ({@code "${input#/city}"}) and to earlier steps' results
   * ({@code "${s1}"}, {@code "${s1#/items/0}"}). The chain is one more tool the
   * model or a batch can call; its steps run as ordinary calls of their tools
   * (Java tools included).
   *
   * @throws ToolorchException CONFIG for a bad chain (a reference to a step that
   *     has not run yet is named), EXISTS if the name is taken
   */
  public void registerChain(String chainJson) {
    if (chainJson == null) throw new ToolorchException(Status.INVALID.code(), "chainJson is required");
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      int rc = Native.toolorch_register_chain_json(ctx, Text.bytes(chainJson));
      if (rc != 0) throw new ToolorchException(rc, Text.str(Native.toolorch_last_error(ctx)));
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * Registers a chain whose steps named in {@code computed} get their
   * arguments from a Java closure (their {@code "args"} template is not used):
   * see {@link ChainArgs}.
   *
   * @throws ToolorchException CONFIG for a bad chain or a closure naming no call step of it,
   *     EXISTS if the name is taken
   */
  public void registerChain(String chainJson, Map<String, ChainArgs> computed) {
    if (chainJson == null || computed == null) {
      throw new ToolorchException(Status.INVALID.code(), "chainJson and computed are required");
    }
    if (computed.isEmpty()) {
      registerChain(chainJson);
      return;
    }
    long c = Native.toolorch_chain_new_json(Text.bytes(chainJson));
    if (c == 0) throw new ToolorchException(Status.CONFIG.code(), Text.str(Native.toolorch_last_error(0)));
    String name = null;
    try {
      for (Map.Entry<String, ChainArgs> e : computed.entrySet()) {
        if (e.getValue() == null) throw new ToolorchException(Status.INVALID.code(), "null closure for " + e.getKey());
        check(Native.toolorch_chain_set_args_external(c, Text.bytes(e.getKey())), "step " + e.getKey());
      }
      // The closures are in place before the chain can be called; a name
      // already taken keeps its own (registration then fails with EXISTS).
      if (chainArgs.putIfAbsent(Text.str(Native.toolorch_chain_name(c)), Map.copyOf(computed)) == null) {
        name = Text.str(Native.toolorch_chain_name(c));
      }
      life.readLock().lock();
      try {
        if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
        int rc = Native.toolorch_register_chain(ctx, c);
        if (rc != 0) throw new ToolorchException(rc, Text.str(Native.toolorch_last_error(ctx)));
      } finally {
        life.readLock().unlock();
      }
      name = null; // registered: keep the closures
    } finally {
      if (name != null) chainArgs.remove(name);
      Native.toolorch_chain_free(c);
    }
  }

  // The setters leave their detail in toolorch_last_error(NULL), on this thread.
  private static void check(int rc, String what) {
    if (rc == 0) return;
    String detail = Text.str(Native.toolorch_last_error(0));
    throw new ToolorchException(rc, detail.isEmpty() ? what : detail);
  }

  /** Starts a job; see {@link #start(String, EventListener)}. */
  public Job start(String requestJson) {
    return start(requestJson, null);
  }

  /**
   * Starts a job: requestJson is the request of include/toolorch/job.h, e.g.
   * {@code {"prompt": "...", "max_rounds": 4}}. The listener (may be null)
   * sees every event as it arrives.
   *
   * @throws ToolorchException for a request the library rejects (its message names the problem)
   */
  public Job start(String requestJson, EventListener listener) {
    Job job = new Job(this, listener);
    ensureOpen();
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      // Its events wait in its own queue until its consumer starts.
      long h = Native.toolorch_bind_job_start_queued(ctx, Text.bytes(requestJson));
      if (h == 0) {
        throw new ToolorchException(Native.toolorch_bind_last_status(), Text.str(Native.toolorch_last_error(ctx)));
      }
      job.setHandle(h);
      startConsumer(job);
    } finally {
      life.readLock().unlock();
    }
    return job;
  }

  /** Starts a job from a typed request; see {@link #start(String, EventListener)}. */
  public Job start(JobRequest request, EventListener listener) {
    return start(request.toJson(), listener);
  }

  /** Submits calls; see {@link #startBatch(List, EventListener)}. */
  public Batch startBatch(List<BatchCall> calls) {
    return startBatch(calls, null);
  }

  /**
   * Submits many calls at once. An unknown tool or arguments that are not
   * JSON do not fail the batch: that call ends failed with a clear message.
   */
  public Batch startBatch(List<BatchCall> calls, EventListener listener) {
    return startBatch(Map.of(), calls, listener);
  }

  /**
   * Submits many calls at once, with branch groups: the calls whose
   * {@link BatchCall#group()} names a key of groups answer the same question,
   * under that group's policy.
   */
  public Batch startBatch(Map<String, GroupPolicy> groups, List<BatchCall> calls, EventListener listener) {
    Map<String, Scorer> scorers = new HashMap<>();
    groups.forEach((name, policy) -> {
      if (policy.scorer != null) scorers.put(name, policy.scorer);
    });
    Batch batch = new Batch(this, listener, scorers);
    ensureOpen();
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      {
        long b = Native.toolorch_bind_batch_new_queued(ctx);
        if (b == 0) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is shutting down");
        for (Map.Entry<String, GroupPolicy> g : groups.entrySet()) {
          try {
            addGroup(b, g.getKey(), g.getValue());
          } catch (RuntimeException e) {
            Native.toolorch_batch_free(b);
            throw e;
          }
        }
        for (BatchCall c : calls) {
          byte[] args = Text.bytes(c.argsJson() == null ? "{}" : c.argsJson());
          int rc = c.group() == null
              ? Native.toolorch_batch_add(b, Text.bytes(c.tool()), args, Text.bytes(c.id()))
              : Native.toolorch_batch_add_in_group(b, Text.bytes(c.group()), Text.bytes(c.tool()), args,
                  Text.bytes(c.id()));
          if (rc != 0) {
            Native.toolorch_batch_free(b);
            throw new ToolorchException(rc, "cannot add a call to " + c.tool());
          }
        }
        int rc = Native.toolorch_batch_submit(b);
        if (rc != 0) {
          Native.toolorch_batch_free(b);
          throw new ToolorchException(rc, "cannot submit the batch");
        }
        batch.setHandle(b);
        startConsumer(batch);
      }
    } finally {
      life.readLock().unlock();
    }
    return batch;
  }

  private void addGroup(long batch, String name, GroupPolicy policy) {
    long p = Native.toolorch_group_policy_new();
    if (p == 0) throw new ToolorchException(Status.NO_MEMORY.code(), "");
    try {
      // The policy's setters keep their detail without a context; the batch's under its context.
      int rc = Native.toolorch_group_policy_from_json(p, Text.bytes(policy.toJson()));
      if (rc == 0 && policy.scorer != null) rc = Native.toolorch_group_policy_set_scorer_external(p);
      if (rc != 0) throw new ToolorchException(rc, "group " + name + ": " + Text.str(Native.toolorch_last_error(0)));
      rc = Native.toolorch_batch_add_group(batch, Text.bytes(name), p);
      if (rc != 0) throw new ToolorchException(rc, "group " + name + ": " + lastError());
    } finally {
      Native.toolorch_group_policy_free(p);
    }
  }

  /** The version of the C library actually loaded ("0.1.0"). */
  public static String version() {
    return Text.str(Native.toolorch_version());
  }

  /**
   * Checks a request as {@link #start(String, EventListener)} would (its
   * keys, the provider, the speculation model, the tools it names) without
   * starting anything; throws the {@link ToolorchException} start would.
   */
  public void checkJob(String requestJson) {
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      int rc = Native.toolorch_job_check(ctx, Text.bytes(requestJson));
      if (rc != 0) throw new ToolorchException(rc, lastError());
    } finally {
      life.readLock().unlock();
    }
  }

  /** {@link #checkJob(String)} of a typed request. */
  public void checkJob(JobRequest request) {
    checkJob(request.toJson());
  }

  /**
   * Starts an MCP server (Model Context Protocol) and registers its tools;
   * returns once they are registered, or throws why it could not start.
   * configJson is its description (include/toolorch/mcp.h), e.g.
   * {@code {"name": "fs", "command": ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"]}}
   * or {@code {"name": "remote", "url": "http://127.0.0.1:3001/mcp"}}. Its
   * tools run as any other; a running call's progress arrives as
   * {@link EventType#PROGRESS}.
   */
  public void addMcpServer(String configJson) {
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      int rc = Native.toolorch_add_mcp_server(ctx, Text.bytes(configJson));
      if (rc != 0) throw new ToolorchException(rc, lastError());
    } finally {
      life.readLock().unlock();
    }
  }

  /** {@link #addMcpServer(String)} from a Map (written as JSON). */
  public void addMcpServer(Map<String, ?> config) {
    addMcpServer(Json.of(config));
  }

  /**
   * A counter of an MCP server: "starts", "crashes", "calls", "cancels_sent",
   * "late_responses", "garbage", "progress", "list_changes", "tools", "ready";
   * -1 for an unknown server or key, or after close.
   */
  public long mcpStat(String server, String key) {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_mcp_stat(ctx, Text.bytes(server), Text.bytes(key));
    } finally {
      life.readLock().unlock();
    }
  }

  /** The protocol revision agreed with an MCP server; "" until agreed, for an unknown server, or after close. */
  public String mcpRevision(String server) {
    life.readLock().lock();
    try {
      return ctxGone ? "" : Text.str(Native.toolorch_mcp_revision(ctx, Text.bytes(server)));
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * A counter of a service's rate limits (include/toolorch/limits.h):
   * "granted", "waited", "rejected", "timed_out", "wait_us_total", "waiting";
   * -1 for an unknown key, a context without rate limits, or after close.
   */
  public long limitsStat(String service, String key) {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_limits_stat(ctx, Text.bytes(service), Text.bytes(key));
    } finally {
      life.readLock().unlock();
    }
  }

  /** A counter of the rate limits' backend: "redis_connected", "redis_fallbacks", ...; -1 as limitsStat. */
  public long limitsBackendStat(String key) {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_bind_limits_backend_stat(ctx, Text.bytes(key));
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * A service's effective call rate now, in calls per second (the adaptive
   * rate when cut); infinite without a call limit; negative for a context
   * without rate limits or after close.
   */
  public double currentRate(String service) {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_limits_current_rate(ctx, Text.bytes(service));
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * The exposition text (Prometheus text format 0.0.4) of every metric: the
   * library's own (docs/OBSERVABILITY.md) and those made with {@link #counter},
   * {@link #gauge} and {@link #histogram}. For a host that serves /metrics
   * itself; the option {@code "observability": {"metrics_listen": "127.0.0.1:9464"}}
   * makes the library serve it (see {@link #metricsPort()}).
   *
   * @throws ToolorchException STATE when metrics are off ({@code "observability": {"metrics": false}}), CLOSED after close
   */
  public String metricsText() {
    byte[][] out = new byte[1][];
    withCtx(c -> {
      out[0] = Native.toolorch_metrics_text(c);
      return out[0] == null ? Status.STATE.code() : 0;
    });
    return Text.str(out[0]);
  }

  /** The port the built-in /metrics endpoint listens on, or -1 when it does not serve. */
  public int metricsPort() {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_metrics_port(ctx);
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * Defines a counter of your own (the track_metric of other runtimes), or
   * gives the one defined with the same name and labels. name:
   * {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, not starting {@code toolorch_}.
   *
   * @throws ToolorchException INVALID for a bad name or label, EXISTS for the name of another kind or labels,
   *     STATE when metrics are off
   */
  public Counter counter(String name, String help, String... labelNames) {
    define(toolorch_metric_kind.TOOLORCH_METRIC_COUNTER, name, help, labelNames, null);
    return new Counter(this, name, labelNames.length);
  }

  /** Defines a gauge; see {@link #counter}. */
  public Gauge gauge(String name, String help, String... labelNames) {
    define(toolorch_metric_kind.TOOLORCH_METRIC_GAUGE, name, help, labelNames, null);
    return new Gauge(this, name, labelNames.length);
  }

  /**
   * Defines a histogram; buckets: ascending upper bounds, or null for the
   * library's duration buckets (seconds, 0.001 .. 120). See {@link #counter}.
   */
  public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
    define(toolorch_metric_kind.TOOLORCH_METRIC_HISTOGRAM, name, help, labelNames, buckets);
    return new Histogram(this, name, labelNames.length);
  }

  private void define(int kind, String name, String help, String[] labelNames, double[] buckets) {
    byte[] labels = labelNames.length == 0 ? null : Text.bytes(Json.of(List.of(labelNames)));
    byte[] bounds = null;
    if (buckets != null) {
      List<Object> b = new ArrayList<>();
      for (double v : buckets) {
        if (!Double.isFinite(v)) throw new ToolorchException(Status.INVALID.code(), "buckets: finite numbers only");
        b.add(v);
      }
      bounds = Text.bytes(Json.of(b));
    }
    byte[] n = Text.bytes(name), h = Text.bytes(help == null ? "" : help);
    byte[] bs = bounds;
    withCtx(c -> Native.toolorch_metric_define(c, kind, n, h, labels, bs));
  }

  interface CtxCall {
    int apply(long ctx);
  }

  /** Runs a C function of the context that returns a status; a failure throws with the library's detail. */
  void withCtx(CtxCall fn) {
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      int rc = fn.apply(ctx);
      if (rc != 0) throw new ToolorchException(rc, Text.str(Native.toolorch_last_error(ctx)));
    } finally {
      life.readLock().unlock();
    }
  }

  /** Runs a batch and waits for every call to end. */
  public List<CallResult> runBatch(List<BatchCall> calls) throws InterruptedException {
    try {
      return startBatch(calls).result().get();
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  /**
   * A counter of the context (toolorch_stat): "calls_started",
   * "calls_succeeded", "calls_failed", "calls_cancelled", "max_running", ...;
   * -1 for an unknown key or after close.
   */
  public long stat(String key) {
    life.readLock().lock();
    try {
      return ctxGone ? -1 : Native.toolorch_stat(ctx, Text.bytes(key));
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * Cancels everything still running (jobs and batches end with status
   * CLOSED, tool threads are interrupted), waits for the runs' consumers and frees the
   * library's context. Results of tools still running are dropped.
   * Idempotent; may be called from a listener or a future's stage.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    life.writeLock().lock();
    try {
      callsGone = true;
    } finally {
      life.writeLock().unlock();
    }
    // Every run not ended gets its final event (CLOSED) from the library,
    // which ends its consumer.
    Native.toolorch_close(ctx);
    executor.shutdownNow();
    List<Thread> waitFor;
    synchronized (this) {
      if (consumers.contains(Thread.currentThread())) {
        closedOnConsumer = true; // the last consumer to end frees the context
        return;
      }
      waitFor = new ArrayList<>(consumers);
    }
    boolean interrupted = false;
    for (Thread t : waitFor) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    freeContext();
    if (interrupted) Thread.currentThread().interrupt();
  }

  private void freeContext() {
    life.writeLock().lock();
    try {
      if (ctxGone) return;
      ctxGone = true;
      Native.toolorch_free(ctx);
    } finally {
      life.writeLock().unlock();
    }
  }

  private void ensureOpen() {
    synchronized (this) {
      if (closed) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
    }
  }

  /**
   * Starts the run's consumer, counted before close() can look (the caller
   * holds life's read lock, so the context is not freed meanwhile).
   */
  private void startConsumer(Run run) {
    synchronized (this) {
      if (closed) {
        run.release();
        throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      }
      Thread t = new Thread(() -> consume(run), "toolorch-run");
      t.setDaemon(true);
      consumers.add(t);
      t.start();
    }
  }

  // ---- a run's consumer thread ----

  private void consume(Run run) {
    try {
      long h = run.handle();
      while (true) {
        long ev = run.nextEvent(h);
        if (ev == 0) {
          // Ended without a final event: the library gives one before (its
          // close handshake); be safe all the same.
          Event end = Event.terminal(run.endType(), Status.CLOSED.code(), "the orchestrator was closed");
          run.release();
          run.finish(end);
          run.push(end);
          return;
        }
        boolean last = false;
        try {
          last = handle(run, ev);
        } catch (Throwable t) {
          System.err.println("toolorch: consumer: " + t);
        } finally {
          Native.toolorch_event_free(ev);
        }
        if (last) return;
      }
    } finally {
      boolean free;
      synchronized (this) {
        consumers.remove(Thread.currentThread());
        free = closedOnConsumer && consumers.isEmpty();
      }
      if (free) freeContext();
    }
  }

  /** Serves one event of run; true for its final one. */
  private boolean handle(Run run, long ev) {
    int type = Native.toolorch_event_type_of(ev);
    if (type == EVENT_TOOL_CALL) {
      startTool(ev);
      return false;
    }
    if (type == EVENT_CHAIN_ARGS) {
      startChainArgs(ev);
      return false;
    }
    if (type == EVENT_SCORE) {
      startScore(ev, run);
      return false;
    }
    if (type == EVENT_TOOL_CANCELLED) {
      // The call ended without its result (cancelled, timed out, its job
      // or batch cancelled): interrupt the tool's thread.
      RunningCall rc = running.get(Native.toolorch_event_call(ev));
      if (rc != null) rc.future.cancel(true);
      return false;
    }
    Event e = Event.read(ev);
    // A run is done (isDone(), its result) before its final event can be
    // read, so whoever sees the end sees a finished run.
    boolean last = e.type() == run.endType();
    if (last) {
      run.release();
      run.finish(e);
    }
    run.push(e);
    return last;
  }

  private static final class RunningCall {
    final long call;
    volatile Future<?> future; // set by the consumer before it can be interrupted

    RunningCall(long call) {
      this.call = call;
    }
  }

  private void startTool(long ev) {
    String name = Text.str(Native.toolorch_event_tool_name(ev));
    String args = Text.str(Native.toolorch_event_json(ev));
    RunningCall rc = new RunningCall(Native.toolorch_event_call(ev));
    Tool tool = tools.get(name);
    if (tool == null) {
      finishCall(rc, null, "no Java tool is registered as \"" + name + "\"", 0);
      return;
    }
    // TOOL_CANCELLED for this call is handled by this same thread, after
    // this: the future is in the map by then.
    running.put(rc.call, rc);
    try {
      rc.future = executor.submit(() -> runTool(rc, tool, args));
    } catch (RejectedExecutionException e) {
      running.remove(rc.call, rc);
      return; // closing: toolorch_close releases the call
    }
  }

  /** A chain step's closure runs as a tool does, and answers the request the same way. */
  private void startChainArgs(long ev) {
    ChainContext context = new ChainContext(Text.str(Native.toolorch_event_tool_name(ev)),
        Text.str(Native.toolorch_event_text(ev)), Text.str(Native.toolorch_event_call_id(ev)),
        Text.str(Native.toolorch_event_json(ev)));
    Map<String, ChainArgs> steps = chainArgs.get(context.chain());
    ChainArgs fn = steps == null ? null : steps.get(context.step());
    Tool tool = fn == null ? null : unused -> {
      Object args = fn.compute(context);
      return args instanceof String s ? s : args == null ? "{}" : Json.of(args);
    };
    RunningCall rc = new RunningCall(Native.toolorch_event_call(ev));
    if (tool == null) {
      finishCall(rc, null, "no Java closure computes the arguments of step \"" + context.step() + "\" of chain \""
          + context.chain() + "\"", 0);
      return;
    }
    running.put(rc.call, rc);
    try {
      rc.future = executor.submit(() -> runTool(rc, tool, context.json()));
    } catch (RejectedExecutionException e) {
      running.remove(rc.call, rc);
    }
  }

  /** A scorer runs as a tool does, and answers the request with its score as a JSON number. */
  private void startScore(long ev, Run run) {
    Scored scored = new Scored(Text.str(Native.toolorch_event_group(ev)), Text.str(Native.toolorch_event_call_id(ev)),
        Text.str(Native.toolorch_event_tool_name(ev)), Text.str(Native.toolorch_event_json(ev)),
        Text.str(Native.toolorch_event_text(ev)));
    Scorer fn = run instanceof Batch b ? b.scorers.get(scored.group()) : null;
    if (fn == null) fn = scorer;
    Scorer chosen = fn;
    Tool tool = chosen == null ? null : unused -> {
      double v = chosen.score(scored);
      if (!Double.isFinite(v)) throw new IllegalArgumentException("the scorer returned " + v);
      return Double.toString(v);
    };
    RunningCall rc = new RunningCall(Native.toolorch_event_call(ev));
    if (tool == null) {
      finishCall(rc, null, "no Java scorer for group \"" + scored.group() + "\"", 0);
      return;
    }
    running.put(rc.call, rc);
    try {
      rc.future = executor.submit(() -> runTool(rc, tool, scored.argsJson()));
    } catch (RejectedExecutionException e) {
      running.remove(rc.call, rc);
    }
  }

  /**
   * Makes scorer the scorer of groups without their own
   * ({@link GroupPolicy.Builder#scorer(Scorer)}), a job's groups included;
   * null puts back the default (every success scores 1.0).
   */
  public void setScorer(Scorer scorer) {
    life.readLock().lock();
    try {
      if (ctxGone) throw new ToolorchException(Status.CLOSED.code(), "the orchestrator is closed");
      this.scorer = scorer;
      int rc = scorer != null ? Native.toolorch_set_scorer_external(ctx) : Native.toolorch_bind_clear_scorer(ctx);
      if (rc != 0) throw new ToolorchException(rc, lastError());
    } finally {
      life.readLock().unlock();
    }
  }

  /** The library's detail of the failure just seen on this thread. */
  String lastError() {
    return Text.str(Native.toolorch_last_error(ctx));
  }

  private void runTool(RunningCall rc, Tool tool, String args) {
    String result = null, error = null;
    int failFlags = 0;
    try {
      result = tool.call(args);
      if (result == null) result = "";
    } catch (InterruptedException e) {
      error = "interrupted";
    } catch (ToolFailure f) {
      error = f.getMessage() != null ? f.getMessage() : "the tool failed";
      failFlags = f.flags;
    } catch (Throwable t) {
      error = t.getMessage() != null && !t.getMessage().isEmpty() ? t.getMessage() : t.toString();
    }
    running.remove(rc.call, rc);
    finishCall(rc, result, error, failFlags);
  }

  /** Hands a result back to the library, unless close() has begun. */
  private void finishCall(RunningCall rc, String result, String error, int failFlags) {
    life.readLock().lock();
    try {
      if (callsGone) return;
      if (error != null) Native.toolorch_call_fail_ex(rc.call, Text.bytes(error), failFlags);
      else Native.toolorch_call_complete(rc.call, Text.bytes(result));
    } finally {
      life.readLock().unlock();
    }
  }
}
