# frozen_string_literal: true

module Toolorch
  # Tool flags.
  SIDE_EFFECT_FREE = Native::TOOLORCH_TOOL_SIDE_EFFECT_FREE # may start before the model's whole answer arrived
  RETRYABLE = Native::TOOLORCH_TOOL_RETRYABLE               # failures may be retried

  # One toolorch context in event-queue mode. Thread-safe. #close frees
  # everything (nothing is left to a finaliser).
  class Orchestrator
    EVENT_TOOL_CALL = Native::TOOLORCH_EVENT_TOOL_CALL
    EVENT_TOOL_CANCELLED = Native::TOOLORCH_EVENT_TOOL_CANCELLED
    EVENT_CHAIN_ARGS = Native::TOOLORCH_EVENT_CHAIN_ARGS
    EVENT_SCORE = Native::TOOLORCH_EVENT_SCORE
    WAIT_MS = 200 # a consumer's wait slice (without the GVL)

    # Yields a new orchestrator and closes it afterwards.
    def self.open(config = nil)
      o = new(config)
      return o unless block_given?

      begin
        yield o
      ensure
        o.close
      end
    end

    # config: nil (defaults), a Hash, or the JSON text (include/toolorch/opts.h):
    #   { max_parallel_tools: 100, llm: { protocol: "openai", base_url: ..., model: ... } }
    # Raises Toolorch::ConfigError naming an unknown key or a wrong type.
    def initialize(config = nil)
      opts = Native.toolorch_opts_new or raise Toolorch.error(Status::ENOMEM)
      begin
        unless config.nil?
          rc = Native.toolorch_opts_from_json(opts, config.is_a?(String) ? config : JSON.generate(config))
          raise Toolorch.error(rc, Native.toolorch_opts_last_error(opts)) unless rc.zero?
        end
        @ctx = Native.toolorch_bind_new(opts)
        raise Toolorch.error(Native.toolorch_bind_last_status, Native.toolorch_last_error(nil)) if @ctx.nil?
      ensure
        Native.toolorch_opts_free(opts)
      end
      @lock = Thread::Mutex.new # tools, consumers, running, closed
      @life = Thread::Mutex.new # C calls on calls, runs and the context vs. close
      @calls_gone = false       # call handles must not be touched (toolorch_close releases them)
      @ctx_gone = false         # the context is freed
      @closed = false
      @tools = {}
      @chain_args = {} # chain name => { step name => closure }
      @scorer = nil # groups' scorer without their own (scorer=)
      @consumers = [] # a thread per job or batch, until its final event
      @running = {} # call handle (address) => ToolTask; one attempt at a time
      # The tool threads (under @lock): tasks waiting for one, threads awake
      # and looking for a task (in no tool), threads asleep, wake-ups sent.
      @tasks = []
      @ready = 0
      @sleeping = 0
      @wakeups = 0
      @tool_wake = Thread::ConditionVariable.new
    end

    # Registers a tool. With a block, a tool written in Ruby: the block gets
    # the arguments (a Hash with symbol keys, args[:city]; or keyword
    # arguments, |city:, **|) and returns the result (a String is sent as is,
    # anything else as JSON). An exception fails the call with its message:
    # the model sees it as that call's error and the job goes on (raise
    # Toolorch::ToolFailure.retryable / .fatal to flag it). The block runs on
    # a Ruby thread of its own; a cancelled or timed-out call gets
    # Toolorch::CancelledError raised in that thread.
    # Without a block, http: (a URL, or { url:, headers: ["Name: value"] })
    # or command: (argv, run without a shell) says what runs a call.
    # Settings (include/toolorch/tool.h): service: (whose rate limits the
    # calls take), max_parallel:, timeout_ms:, retry_policy: { attempts:, backoff:
    # (:exponential, :linear, :fixed), base_ms:, max_ms: }.
    def register_tool(name, description: "", schema: nil, flags: 0, service: nil, max_parallel: 0,
                      timeout_ms: 0, retry_policy: nil, http: nil, command: nil, &block)
      kinds = [block, http, command].count { |k| !k.nil? }
      raise ArgumentError, "register_tool needs exactly one of a block, http: or command:" unless kinds == 1

      settings = { description: description.to_s, schema: schema, flags: flags, service: service,
                   max_parallel: max_parallel, timeout_ms: timeout_ms, retry_policy: retry_policy, http: http, command: command }
      return tap { register_c(name.to_s, settings) } unless block

      @lock.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @closed
        raise Toolorch.error(Status::EEXIST, "a tool named \"#{name}\" is registered already") if @tools.key?(name)

        @tools[name] = block
      end
      begin
        register_c(name.to_s, settings)
      rescue StandardError
        @lock.synchronize { @tools.delete(name) }
        raise
      end
      self
    end

    # Starts a job: request is a Hash or the JSON text of include/toolorch/job.h,
    # e.g. { prompt: "...", max_rounds: 4 }. Raises the library's error for a
    # bad request.
    def start_job(request)
      run = add_run(Job)
      text = request.is_a?(String) ? request : JSON.generate(request)
      start_c(run) do
        h = Native.toolorch_bind_job_start_queued(@ctx, text)
        raise Toolorch.error(Native.toolorch_bind_last_status, Native.toolorch_last_error(@ctx)) if h.nil?

        h
      end
    end

    # Runs a job, yielding each event to the block: its Result.
    def run_job(request, &block)
      job = start_job(request)
      job.each_event(&block) if block
      job.wait
    end

    # Submits calls: each a Hash { tool:, args: (Hash or JSON), id: (optional),
    # group: (optional) }. An unknown tool or bad arguments fail that call
    # only. groups: branch groups by name, each policy a Hash or JSON
    # (include/toolorch/group.h): { "research" => { keep_top_n_branches: 1,
    # timeout_ms: 5000, cancel_on_better_result: { threshold: 0.8 },
    # on_failure: "cancel_siblings" } }. A policy Hash may carry scorer: (a
    # callable) to score that group's successes (see #scorer=).
    def start_batch(calls, groups: nil)
      scorers = {}
      groups = (groups || {}).to_h do |name, policy|
        fn = policy.is_a?(Hash) ? policy[:scorer] || policy["scorer"] : nil
        if fn.respond_to?(:call)
          scorers[name.to_s] = fn
          policy = policy.reject { |k, _| k.to_s == "scorer" }.merge(scorer: "external")
        end
        [name, policy]
      end
      run = add_run(Batch)
      run.scorers = scorers.freeze
      start_c(run) do
        b = Native.toolorch_bind_batch_new_queued(@ctx)
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is shutting down") if b.nil?

        begin
          (groups || {}).each { |name, policy| add_group(b, name.to_s, policy) }
        rescue StandardError
          Native.toolorch_batch_free(b)
          raise
        end
        calls.each do |c|
          args = c[:args].nil? ? "{}" : (c[:args].is_a?(String) ? c[:args] : JSON.generate(c[:args]))
          rc = if c[:group]
                 Native.toolorch_batch_add_in_group(b, c[:group].to_s, c.fetch(:tool).to_s, args, c[:id]&.to_s)
               else
                 Native.toolorch_batch_add(b, c.fetch(:tool).to_s, args, c[:id]&.to_s)
               end
          next if rc.zero?

          Native.toolorch_batch_free(b)
          raise Toolorch.error(rc, "cannot add a call to #{c[:tool]}")
        end
        rc = Native.toolorch_batch_submit(b)
        unless rc.zero?
          Native.toolorch_batch_free(b)
          raise Toolorch.error(rc, "cannot submit the batch")
        end
        b
      end
    end

    # Runs a batch, yielding each event to the block: the CallResults.
    def run_batch(calls, groups: nil, &block)
      batch = start_batch(calls, groups: groups)
      batch.each_event(&block) if block
      batch.wait
    end

    # A counter of the context (toolorch_stat): "calls_started",
    # "max_running", ...; -1 for an unknown key or after close.
    def stat(key)
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_stat(@ctx, key.to_s) }
    end

    # A counter of a service's rate limits (include/toolorch/limits.h):
    # "granted", "waited", "rejected", "timed_out", "wait_us_total",
    # "waiting"; -1 for an unknown key, a context without rate limits, or
    # after close.
    def limits_stat(service, key)
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_limits_stat(@ctx, service.to_s, key.to_s) }
    end

    # A counter of the rate limits' backend: "redis_connected",
    # "redis_fallbacks", "redis_failed_closed", "redis_errors"; -1 as above.
    def limits_backend_stat(key)
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_bind_limits_backend_stat(@ctx, key.to_s) }
    end

    # A service's effective call rate now, in calls per second (the adaptive
    # rate when cut); Infinity without a call limit; negative for a context
    # without rate limits or after close.
    def current_rate(service)
      @life.synchronize { @ctx_gone ? -1.0 : Native.toolorch_limits_current_rate(@ctx, service.to_s) }
    end

    # Checks a request (a Hash or JSON) as #start_job would -- its keys, the
    # provider, the speculation model, the tools it names -- without
    # starting anything: nil, or raises the error start_job would.
    def check_job(request)
      text = request.is_a?(String) ? request : JSON.generate(request)
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        rc = Native.toolorch_job_check(@ctx, text)
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
      nil
    end

    # Starts an MCP server (Model Context Protocol) and registers its tools;
    # returns once they are registered, or raises why it could not start.
    # config: its description (include/toolorch/mcp.h), a Hash or JSON:
    #   { name: "fs", command: ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"] }
    #   { name: "remote", url: "http://127.0.0.1:3001/mcp", headers: { Authorization: "Bearer ..." } }
    # Its tools run as any other; a running call's progress comes as a
    # :progress event.
    def add_mcp_server(config)
      text = config.is_a?(String) ? config : JSON.generate(config)
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        rc = Native.toolorch_add_mcp_server(@ctx, text)
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
      nil
    end

    # A counter of an MCP server: "starts", "crashes", "calls",
    # "cancels_sent", "late_responses", "garbage", "progress",
    # "list_changes", "tools", "ready"; -1 for an unknown server or key, or
    # after close.
    def mcp_stat(server, key)
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_mcp_stat(@ctx, server.to_s, key.to_s) }
    end

    # The protocol revision agreed with an MCP server; "" until agreed, for
    # an unknown server, or after close.
    def mcp_revision(server)
      @life.synchronize { @ctx_gone ? "" : Native.toolorch_mcp_revision(@ctx, server.to_s) }
    end

    # The scorer of branch groups without their own (a batch group's scorer:,
    # a job's "groups"): a callable that gets a Scored (group, call_id, tool,
    # args with symbol keys, result) and returns a Numeric, higher is better
    # (the policy's cancel_on_better_result threshold compares with it). It
    # runs on a tool thread, never on the library's, only while the score
    # can still decide the group (it cancels on a score, no branch decided
    # it, a sibling still runs); the group decides when the score comes. An
    # exception gives no score (the group goes on); CancelledError lands when
    # the score can no longer matter. nil: every success scores 1.0.
    def scorer=(fn)
      raise ArgumentError, "a scorer must respond to call" unless fn.nil? || fn.respond_to?(:call)

      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        @lock.synchronize { @scorer = fn }
        rc = fn ? Native.toolorch_set_scorer_external(@ctx) : Native.toolorch_bind_clear_scorer(@ctx)
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
    end

    # What a scorer scores: a branch's success.
    Scored = Struct.new(:group, :call_id, :tool, :args, :result, keyword_init: true)

    # Cancels everything still running (jobs and batches end with
    # Toolorch::ClosedError, tool threads get Toolorch::CancelledError),
    # waits for the runs' consumers and frees the context. Idempotent.
    def close
      @lock.synchronize do
        return nil if @closed

        @closed = true
        @running.each_value { |t| cancel_task(t) }
        @tool_wake.broadcast # sleeping tool threads end
      end
      @life.synchronize { @calls_gone = true }
      # Every run not ended gets its final event (ECLOSED) from the library,
      # which ends its consumer.
      Native.toolorch_close(@ctx)
      consumers = @lock.synchronize { @consumers.dup }
      consumers.each { |t| t.join unless t == Thread.current }
      @life.synchronize do
        @ctx_gone = true
        Native.toolorch_free(@ctx)
      end
      nil
    end

    def closed?
      @lock.synchronize { @closed }
    end

    # -- for Run --

    def with_handle(run)
      @life.synchronize do
        h = run.live_handle
        yield h unless h.nil? || @ctx_gone
      end
    end

    # The library's detail of the failure just seen on this thread (under
    # with_handle).
    def last_error_detail = Native.toolorch_last_error(@ctx)

    # Registers a chain of tools from its JSON form (docs/CHAINS.md), a String
    # or a Hash: parallel groups and sequences of tool calls whose arguments
    # refer to the chain's input ("${input#/city}") and to earlier steps'
    # results ("${s1}", "${s1#/items/0}"). The chain is one more tool the model
    # or a batch can call; its steps run as ordinary calls (Ruby tools too).
    # Raises ConfigError naming a reference to a step that has not run yet.
    #
    # Steps whose arguments Ruby computes, for logic the references cannot
    # say: compute: { "combine" => ->(ctx) { {parts: [ctx.results[:s1]]} } },
    # or compute: "combine" (or a list of step names) with a block. The
    # closure gets a ChainContext (chain, step, call_id, input: the chain's
    # arguments with symbol keys, results: the text of each step that has
    # succeeded so far, by symbol) on a tool thread just before the step
    # runs, and returns its arguments (a Hash, or JSON text). An exception
    # fails the step and the chain ('chain "c": step "s" failed: <message>');
    # CancelledError lands when the chain's call ends first. A name that is
    # no call step of the chain raises ConfigError.
    # The chain may also come as keywords: register_chain(name: "c", steps: [...]).
    def register_chain(chain = nil, compute: nil, **definition, &block)
      if chain.nil? == definition.empty?
        raise Toolorch.error(Status::EINVAL, "give the chain as one String or Hash, or as keywords")
      end

      chain ||= definition
      json = chain.is_a?(String) ? chain : JSON.generate(chain)
      closures = chain_closures(compute, block)
      return register_chain_json(json) if closures.empty?

      c = Native.toolorch_chain_new_json(json) or
        raise Toolorch.error(Status::ECONFIG, Native.toolorch_last_error(nil))
      begin
        closures.each_key do |step|
          rc = Native.toolorch_chain_set_args_external(c, step)
          raise Toolorch.error(rc, Native.toolorch_last_error(nil)) unless rc.zero?
        end
        register_chain_object(c, Native.toolorch_chain_name(c), closures)
      ensure
        Native.toolorch_chain_free(c)
      end
      self
    end

    # What a closure computing a chain step's arguments gets.
    ChainContext = Struct.new(:chain, :step, :call_id, :input, :results, keyword_init: true)

    private

    def register_chain_json(json)
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        rc = Native.toolorch_register_chain_json(@ctx, json)
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
      self
    end

    # Step name => callable, from compute: (a Hash, or names for the block).
    def chain_closures(compute, block)
      closures = if compute.is_a?(Hash)
                   compute.to_h { |step, fn| [step.to_s, fn] }
                 else
                   Array(compute).to_h { |step| [step.to_s, block] }
                 end
      closures.each do |step, fn|
        raise Toolorch.error(Status::EINVAL, "no closure for step \"#{step}\"") unless fn.respond_to?(:call)
      end
      closures
    end

    # The closures are in place before the chain can be called; a name
    # already taken keeps its own (registration then raises ExistsError).
    def register_chain_object(chain, name, closures)
      added = @lock.synchronize do
        next false if @chain_args.key?(name)

        @chain_args[name] = closures
        true
      end
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        rc = Native.toolorch_register_chain(@ctx, chain)
        raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
      end
      added = false
    ensure
      @lock.synchronize { @chain_args.delete(name) } if added
    end

    BACKOFF = { exponential: 0, linear: 1, fixed: 2 }.freeze
    private_constant :BACKOFF

    def register_c(name, settings)
      t = Native.toolorch_tool_new(name) or raise Toolorch.error(Status::EINVAL, "a tool needs a non-empty name")
      begin
        configure_tool(t, **settings)
        @life.synchronize do
          raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

          rc = Native.toolorch_register_tool(@ctx, t)
          raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
        end
      ensure
        Native.toolorch_tool_free(t)
      end
    end

    def configure_tool(t, description:, schema:, flags:, service:, max_parallel:, timeout_ms:, retry_policy:, http:, command:)
      check(Native.toolorch_tool_set_description(t, description), "description")
      check(Native.toolorch_tool_set_schema(t, schema.is_a?(String) ? schema : JSON.generate(schema)), "schema") if schema
      check(Native.toolorch_tool_set_flags(t, flags), "unknown tool flags #{flags}")
      check(Native.toolorch_tool_set_service(t, service.to_s), "service") if service
      check(Native.toolorch_tool_set_max_parallel(t, Integer(max_parallel)), "max_parallel")
      check(Native.toolorch_tool_set_timeout_ms(t, Integer(timeout_ms)), "timeout_ms")
      if retry_policy
        backoff = BACKOFF.fetch(retry_policy.fetch(:backoff, :exponential).to_sym) do |b|
          raise ArgumentError, "backoff must be :exponential, :linear or :fixed, not #{b.inspect}"
        end
        check(Native.toolorch_tool_set_retry(t, Integer(retry_policy.fetch(:attempts)), backoff,
                                             Integer(retry_policy.fetch(:base_ms, 0)), Integer(retry_policy.fetch(:max_ms, 0))),
              "retry")
      end
      if http
        url, headers = http.is_a?(Hash) ? [http.fetch(:url), http.fetch(:headers, [])] : [http, []]
        check(Native.toolorch_tool_set_http(t, url.to_s), "url")
        headers.each { |h| check(Native.toolorch_tool_add_http_header(t, h.to_s), "header") }
      end
      check(Native.toolorch_tool_set_command(t, JSON.generate(Array(command).map(&:to_s))), "command") if command
    end

    def add_group(batch, name, policy)
      p = Native.toolorch_group_policy_new or raise Toolorch.error(Status::ENOMEM)
      begin
        text = policy.is_a?(String) ? policy : JSON.generate(policy || {})
        # The policy keeps its detail without a context; the batch under its context.
        rc = Native.toolorch_group_policy_from_json(p, text)
        raise Toolorch.error(rc, "group #{name}: #{Native.toolorch_last_error(nil)}") unless rc.zero?

        rc = Native.toolorch_batch_add_group(batch, name, p)
        raise Toolorch.error(rc, "group #{name}: #{Native.toolorch_last_error(@ctx)}") unless rc.zero?
      ensure
        Native.toolorch_group_policy_free(p)
      end
    end

    # The setters leave their detail in toolorch_last_error(NULL), per thread.
    def check(rc, what)
      return if rc.zero?

      detail = Native.toolorch_last_error(nil)
      raise Toolorch.error(rc, detail.empty? ? what : detail)
    end

    def add_run(klass)
      @lock.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @closed

        klass.new(self)
      end
    end

    # Makes the C job or batch (its events wait in its own queue), then its
    # consumer thread, counted before #close can look.
    def start_c(run)
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        run.handle = yield
        @lock.synchronize do
          if @closed
            run.release!
            raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed")
          end
          t = Thread.new { consume(run) }
          t.name = "toolorch-run"
          @consumers << t
        end
      end
      run
    end

    # -- a run's consumer thread --

    def consume(run)
      wait = WAIT_MS
      loop do
        ev = run.next_native_event(wait)
        if ev.nil?
          if Native.toolorch_bind_last_status == Status::EAGAIN
            wait = WAIT_MS # nothing yet: wait, without the GVL
            next
          end
          # Ended without a final event: the library gives one before (its
          # close handshake); be safe all the same.
          ev = Event.new(type: run.end_type, code: Status::ECLOSED, text: "the orchestrator was closed")
          run.push(ev)
          finish(run, ev)
          break
        end
        wait = 0 # take a burst without handing the GVL back and forth
        final = false
        begin
          final = handle(run, ev)
        rescue StandardError => e
          warn "toolorch: consumer: #{e.class}: #{e.message}"
        ensure
          Native.toolorch_event_free(ev)
        end
        break if final
      end
    ensure
      @lock.synchronize { @consumers.delete(Thread.current) }
    end

    # Serves one event of run; true for its final one.
    def handle(run, ev)
      case Native.toolorch_event_type_of(ev)
      when EVENT_TOOL_CALL then start_tool(ev)
      when EVENT_CHAIN_ARGS then start_chain_args(ev)
      when EVENT_SCORE then start_score(ev, run)
      when EVENT_TOOL_CANCELLED
        # The call ended without its result (cancelled, timed out, its job
        # or batch cancelled): interrupt the tool's thread.
        key = Native.toolorch_bind_call_key(Native.toolorch_event_call(ev))
        @lock.synchronize { (t = @running[key]) && cancel_task(t) }
      else
        e = Event.read(ev)
        run.push(e)
        return false unless e.type == run.end_type

        finish(run, e)
        return true
      end
      false
    end

    def finish(run, final)
      @life.synchronize { run.release! unless @ctx_gone }
      run.finish(final)
    end

    # The tool's block gets the arguments with symbol keys (args[:city]);
    # a block that takes keyword arguments (|city:, **|) gets them as such.
    def call_tool(tool, args_json)
      args = JSON.parse(args_json, symbolize_names: true)
      if args.is_a?(Hash) && tool.parameters.any? { |kind, _| %i[key keyreq keyrest].include?(kind) }
        tool.call(**args)
      else
        tool.call(args)
      end
    end

    # A call for a tool thread. thread: who runs it now (under @lock).
    ToolTask = Struct.new(:key, :call, :tool, :args, :thread, :cancelled)

    def start_tool(ev)
      name = Native.toolorch_event_tool_name(ev)
      call = Native.toolorch_event_call(ev)
      task = ToolTask.new(Native.toolorch_bind_call_key(call), call, nil, Native.toolorch_event_json(ev), nil, false)
      @lock.synchronize do
        return if @closed # toolorch_close releases the call

        task.tool = @tools[name]
        queue_task(task) if task.tool
      end
      finish_call(task.call, nil, "no Ruby tool is registered as \"#{name}\"") unless task.tool
    end

    # A chain step's closure runs as a tool does (its "arguments" are the
    # context), and answers the request the same way.
    def start_chain_args(ev)
      chain = Native.toolorch_event_tool_name(ev)
      step = Native.toolorch_event_text(ev)
      call_id = Native.toolorch_event_call_id(ev)
      call = Native.toolorch_event_call(ev)
      task = ToolTask.new(Native.toolorch_bind_call_key(call), call, nil, Native.toolorch_event_json(ev), nil, false)
      @lock.synchronize do
        return if @closed # toolorch_close releases the request

        fn = @chain_args.dig(chain, step)
        if fn
          task.tool = lambda do |sent|
            fn.call(ChainContext.new(chain: chain, step: step, call_id: call_id, input: sent[:input],
                                     results: sent[:results])) || {}
          end
          queue_task(task)
        end
      end
      finish_call(call, nil, "no Ruby closure computes the arguments of step \"#{step}\" of chain \"#{chain}\"") unless task.tool
    end

    # A scorer runs as a tool does (its "arguments" are the scored call's)
    # and answers the request with its score as a JSON number.
    def start_score(ev, run)
      scored = { group: Native.toolorch_event_group(ev), call_id: Native.toolorch_event_call_id(ev),
                 tool: Native.toolorch_event_tool_name(ev), result: Native.toolorch_event_text(ev) }
      call = Native.toolorch_event_call(ev)
      task = ToolTask.new(Native.toolorch_bind_call_key(call), call, nil, Native.toolorch_event_json(ev), nil, false)
      @lock.synchronize do
        return if @closed # toolorch_close releases the request

        fn = run.scorers&.[](scored[:group]) || @scorer
        if fn
          task.tool = lambda do |args|
            score = Float(fn.call(Scored.new(args: args, **scored)))
            raise ArgumentError, "the scorer returned #{score}" unless score.finite?

            score.to_s
          end
          queue_task(task)
        end
      end
      finish_call(call, nil, "no Ruby scorer for group \"#{scored[:group]}\"") unless task.tool
    end

    # Under @lock: queue a task for the tool threads.
    def queue_task(task)
      @running[task.key] = task
      @tasks << task
      want_ready
    end

    # Under @lock: while tasks wait, one tool thread is awake to take them
    # (woken, or made when none sleeps). One is enough: a thread that takes
    # a task while others wait wakes the next before it runs the tool, so a
    # tool that blocks never holds the queue up and every call still gets a
    # thread at once; and a thread whose tool returned takes the next task
    # itself. A burst of quick calls then costs a few thread switches, not
    # one wake-up (a futex, a GVL hand-off) per call.
    def want_ready
      return if @ready.positive? || @tasks.empty?

      @ready += 1
      if @sleeping > @wakeups
        @wakeups += 1
        @tool_wake.signal
      else
        # The new thread inherits the mask: no CancelledError lands
        # outside the tool's block.
        Thread.handle_interrupt(CancelledError => :never) { Thread.new { work } }
      end
    end

    # A tool thread: runs tasks until close. It is counted ready when made or
    # woken, and again after each task.
    def work
      Thread.current.report_on_exception = false
      Thread.current.name = "toolorch-tool"
      while (task = next_task)
        run_tool(task)
        @lock.synchronize { @ready += 1 }
      end
    end

    # The next task, sleeping while there is none; nil at close.
    def next_task
      @lock.synchronize do
        loop do
          return nil if @closed

          task = @tasks.shift
          @ready -= 1
          if task
            want_ready # others wait: the next thread
            return task
          end
          @sleeping += 1
          @tool_wake.wait(@lock) until @wakeups.positive? || @closed
          @sleeping -= 1
          @wakeups -= 1 unless @closed # the waker counted this thread ready
        end
      end
    end

    # CancelledError may land only while the tool's block runs for this task
    # (cancel_task raises it under @lock while task.thread is set).
    def run_tool(task)
      result = error = nil
      fail_flags = 0
      run = @lock.synchronize do
        task.thread = Thread.current
        !task.cancelled
      end
      begin
        raise CancelledError.new(Status::ECANCELLED, "cancelled before it started") unless run

        value = Thread.handle_interrupt(CancelledError => :immediate) { call_tool(task.tool, task.args) }
        result = value.is_a?(String) ? value : JSON.generate(value)
      rescue CancelledError
        error = "cancelled"
      rescue ToolFailure => e
        error = e.message.empty? ? e.class.name : e.message
        fail_flags = e.flags
      rescue StandardError, ScriptError => e
        error = e.message.empty? ? e.class.name : e.message
      end
      @lock.synchronize do
        task.thread = nil
        @running.delete(task.key) if @running[task.key].equal?(task)
      end
      discard_late_cancel
      finish_call(task.call, result, error, fail_flags)
    end

    # A cancel raised just as the tool returned is pending: drop it here, or
    # it would hit this thread's next task. Thread.pending_interrupt? is asked
    # without an argument: with one, Ruby 3.1 treats each pending exception
    # object as a class (rb_class_inherited_p on an instance), which crashed
    # the process (a segfault seen under load in bindings_ruby_score; Ruby
    # bug #19110, fixed after 3.1).
    def discard_late_cancel
      return unless Thread.pending_interrupt?

      Thread.handle_interrupt(CancelledError => :immediate) { Thread.pass }
    rescue CancelledError
      nil
    end

    # Hands a result back to the library, unless close has begun.
    def finish_call(call, result, error, fail_flags = 0)
      @life.synchronize do
        next if @calls_gone

        if error
          Native.toolorch_call_fail_ex(call, error, fail_flags)
        else
          Native.toolorch_call_complete(call, result)
        end
      end
    end

    # Under @lock: the task's thread, if it runs the tool now, gets
    # CancelledError; if it has not started, it will not.
    def cancel_task(task)
      return if task.cancelled

      task.cancelled = true
      th = task.thread
      th.raise(CancelledError.new(Status::ECANCELLED, "the call ended without this result")) if th && th != Thread.current
    rescue ThreadError
      nil # it has just ended
    end
  end
end

module Toolorch
  # The version of the C library actually loaded ("0.1.0"); the gem's own is
  # Toolorch::VERSION.
  def self.library_version = Native.toolorch_version
end
