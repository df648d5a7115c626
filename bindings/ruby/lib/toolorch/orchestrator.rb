# frozen_string_literal: true

module Toolorch
  # Tool flags.
  SIDE_EFFECT_FREE = 0x1 # may start before the model's whole answer arrived
  RETRYABLE = 0x4        # failures may be retried

  # One toolorch context in event-queue mode. Thread-safe. #close frees
  # everything (nothing is left to a finaliser).
  class Orchestrator
    EVENT_TOOL_CALL = Native::TOOLORCH_EVENT_TOOL_CALL
    EVENT_TOOL_CANCELLED = Native::TOOLORCH_EVENT_TOOL_CANCELLED
    WAIT_MS = 200 # the dispatcher's wait slice (without the GVL)

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
      @lock = Thread::Mutex.new # tools, runs, running, closed
      @life = Thread::Mutex.new # C calls on calls, runs and the context vs. close
      @calls_gone = false       # call handles must not be touched (toolorch_close releases them)
      @ctx_gone = false         # the context is freed
      @closed = false
      @tools = {}
      @runs = {}
      @running = {} # call handle (address) => ToolTask; one attempt at a time
      @tasks = Thread::Queue.new # for the tool threads
      @idle = 0 # tool threads waiting for a task and not promised one
      @next_tag = 0
      @dispatcher = Thread.new { dispatch }
      @dispatcher.name = "toolorch-dispatcher"
    end

    # Registers a tool written in Ruby: the block gets the arguments (a Hash)
    # and returns the result (a String is sent as is, anything else as JSON).
    # An exception fails the call with its message: the model sees it as
    # that call's error and the job goes on. The block runs on a Ruby thread
    # of its own; a cancelled or timed-out call gets Toolorch::CancelledError
    # raised in that thread.
    def register_tool(name, description: "", schema: nil, flags: 0, &block)
      raise ArgumentError, "register_tool needs a block" unless block

      @lock.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @closed
        raise Toolorch.error(Status::EEXIST, "a tool named \"#{name}\" is registered already") if @tools.key?(name)

        @tools[name] = block
      end
      begin
        register_c(name.to_s, description.to_s, schema, flags)
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
        h = Native.toolorch_bind_job_start(@ctx, text, run.tag)
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

    # Submits calls: each a Hash { tool:, args: (Hash or JSON), id: (optional) }.
    # An unknown tool or bad arguments fail that call only.
    def start_batch(calls)
      run = add_run(Batch)
      start_c(run) do
        b = Native.toolorch_bind_batch_new(@ctx, run.tag)
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is shutting down") if b.nil?

        calls.each do |c|
          args = c[:args].nil? ? "{}" : (c[:args].is_a?(String) ? c[:args] : JSON.generate(c[:args]))
          rc = Native.toolorch_batch_add(b, c.fetch(:tool).to_s, args, c[:id]&.to_s)
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
    def run_batch(calls, &block)
      batch = start_batch(calls)
      batch.each_event(&block) if block
      batch.wait
    end

    # A counter of the context (toolorch_stat): "calls_started",
    # "max_running", ...; -1 for an unknown key or after close.
    def stat(key)
      @life.synchronize { @ctx_gone ? -1 : Native.toolorch_stat(@ctx, key.to_s) }
    end

    # Cancels everything still running (jobs and batches end with
    # Toolorch::ClosedError, tool threads get Toolorch::CancelledError),
    # stops the dispatcher and frees the context. Idempotent.
    def close
      @lock.synchronize do
        return nil if @closed

        @closed = true
        @running.each_value { |t| cancel_task(t) }
        @tasks.close # idle tool threads end
      end
      @life.synchronize { @calls_gone = true }
      Native.toolorch_close(@ctx) # wakes the dispatcher
      @dispatcher.join unless Thread.current == @dispatcher
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

    private

    def register_c(name, description, schema, flags)
      t = Native.toolorch_tool_new(name) or raise Toolorch.error(Status::EINVAL, "a tool needs a non-empty name")
      begin
        check(Native.toolorch_tool_set_description(t, description), "description")
        unless schema.nil?
          check(Native.toolorch_tool_set_schema(t, schema.is_a?(String) ? schema : JSON.generate(schema)), "schema")
        end
        check(Native.toolorch_tool_set_flags(t, flags), "unknown tool flags #{flags}")
        @life.synchronize do
          raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

          rc = Native.toolorch_register_tool(@ctx, t)
          raise Toolorch.error(rc, Native.toolorch_last_error(@ctx)) unless rc.zero?
        end
      ensure
        Native.toolorch_tool_free(t)
      end
    end

    def check(rc, what)
      raise Toolorch.error(rc, what) unless rc.zero?
    end

    def add_run(klass)
      @lock.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @closed

        @next_tag += 1
        @runs[@next_tag] = klass.new(self, @next_tag)
      end
    end

    # Makes the C job or batch. The dispatcher may see its first events
    # before this returns; they wait in the run's queue.
    def start_c(run)
      @life.synchronize do
        raise Toolorch.error(Status::ECLOSED, "the orchestrator is closed") if @ctx_gone

        run.handle = yield
      end
      run
    rescue StandardError
      @lock.synchronize { @runs.delete(run.tag) }
      raise
    end

    # -- the dispatcher thread --

    def dispatch
      wait = WAIT_MS
      loop do
        ev = Native.toolorch_ruby_next_event(@ctx, wait)
        if ev.nil?
          break unless Native.toolorch_bind_last_status == Status::EAGAIN # ECLOSED: close was called

          wait = WAIT_MS # the queue is empty: wait, without the GVL
          next
        end
        wait = 0 # take a burst without handing the GVL back and forth
        begin
          handle(ev)
        rescue StandardError => e
          warn "toolorch: dispatcher: #{e.class}: #{e.message}"
        ensure
          Native.toolorch_event_free(ev)
        end
      end
      left = @lock.synchronize { @runs.values.tap { @runs.clear } }
      left.each do |run|
        ev = Event.new(type: run.end_type, code: Status::ECLOSED, text: "the orchestrator was closed")
        run.push(ev)
        run.finish(ev)
      end
    end

    def handle(ev)
      tag = Native.toolorch_bind_event_tag(ev)
      case Native.toolorch_event_type_of(ev)
      when EVENT_TOOL_CALL then return start_tool(ev)
      when EVENT_TOOL_CANCELLED
        # The call ended without its result (cancelled, timed out, its job
        # or batch cancelled): interrupt the tool's thread.
        key = Native.toolorch_bind_call_key(Native.toolorch_event_call(ev))
        return @lock.synchronize { (t = @running[key]) && cancel_task(t) }
      end

      e = Event.read(ev)
      run = @lock.synchronize { @runs[tag] }
      return if run.nil?

      run.push(e)
      return unless e.type == run.end_type

      @lock.synchronize { @runs.delete(tag) }
      @life.synchronize { run.release! unless @ctx_gone }
      run.finish(e)
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
        if task.tool
          @running[task.key] = task
          if @idle.positive?
            @idle -= 1 # that thread is promised this task
          else
            # The new thread inherits the mask: no CancelledError lands
            # outside the tool's block.
            Thread.handle_interrupt(CancelledError => :never) { Thread.new { work } }
          end
          @tasks << task
        end
      end
      finish_call(task.call, nil, "no Ruby tool is registered as \"#{name}\"") unless task.tool
    end

    # A tool thread: runs tasks until close. A new one is made only when none
    # is idle (tools may block: every call needs a thread at once).
    def work
      Thread.current.report_on_exception = false
      Thread.current.name = "toolorch-tool"
      while (task = @tasks.pop)
        run_tool(task)
        @lock.synchronize do
          return if @closed

          @idle += 1
        end
      end
    end

    # CancelledError may land only while the tool's block runs for this task
    # (cancel_task raises it under @lock while task.thread is set).
    def run_tool(task)
      result = error = nil
      run = @lock.synchronize do
        task.thread = Thread.current
        !task.cancelled
      end
      begin
        raise CancelledError.new(Status::ECANCELLED, "cancelled before it started") unless run

        value = Thread.handle_interrupt(CancelledError => :immediate) { task.tool.call(JSON.parse(task.args)) }
        result = value.is_a?(String) ? value : JSON.generate(value)
      rescue CancelledError
        error = "cancelled"
      rescue StandardError, ScriptError => e
        error = e.message.empty? ? e.class.name : e.message
      end
      @lock.synchronize do
        task.thread = nil
        @running.delete(task.key) if @running[task.key].equal?(task)
      end
      discard_late_cancel
      finish_call(task.call, result, error)
    end

    # A cancel raised just as the tool returned is pending: drop it here, or
    # it would hit this thread's next task.
    def discard_late_cancel
      return unless Thread.pending_interrupt?(CancelledError)

      Thread.handle_interrupt(CancelledError => :immediate) { Thread.pass }
    rescue CancelledError
      nil
    end

    # Hands a result back to the library, unless close has begun.
    def finish_call(call, result, error)
      @life.synchronize do
        next if @calls_gone

        if error
          Native.toolorch_call_fail(call, error)
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
