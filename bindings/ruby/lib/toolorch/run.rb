# frozen_string_literal: true

module Toolorch
  # What a Job and a Batch share: the C handle, a queue of events (kept until
  # read), the end, cancel and release. Only the run's consumer thread
  # pushes events and finishes it.
  class Run
    attr_accessor :scorers # a batch's groups' scorers by name (set before start)

    def initialize(orchestrator)
      @orch = orchestrator
      @events = Thread::Queue.new
      @handle = nil
      @released = false
      @end = nil
      @end_lock = Thread::Mutex.new
      @ended = Thread::ConditionVariable.new
    end

    # Yields each event in order, ending with the :job_done / :batch_done
    # event; blocks between them. Without a block, an Enumerator. Every
    # event is kept until read. One reader at a time. Leaving early (break,
    # an exception, Timeout.timeout, an Enumerator not read to the end)
    # cancels the run: nobody is left to see the rest.
    def each_event
      return enum_for(:each_event) unless block_given?

      ended = false
      begin
        until ended
          ev = @events.pop
          ended = ev.type == end_type
          yield ev
        end
      ensure
        cancel unless ended
      end
      self
    end
    alias events each_event

    def done?
      @end_lock.synchronize { !@end.nil? }
    end

    # Cancels what still runs; the end arrives as an event like any other.
    def cancel
      @orch.with_handle(self) { |h| cancel_handle(h) }
      self
    end

    # Cancels every call of the branch group that has not ended (a batch's
    # group, or a job's "groups" entry). Nothing once the run has ended.
    def cancel_group(name)
      @orch.with_handle(self) do |h|
        rc = cancel_group_handle(h, name.to_s)
        raise Toolorch.error(rc, @orch.last_error_detail) unless rc.zero?
      end
      self
    end

    # Cancels one call by its id (a batch call's id:, or a job's call as the
    # model named it, Event#call_id): it ends cancelled, its tool thread gets
    # CancelledError, and the rest goes on (a job's model gets an error result
    # for it). true if it was cancelled; false if it had ended (or the run
    # has). Raises InvalidError when there is no such call (a job: in the
    # current round).
    def cancel_call(id)
      cancelled = false
      @orch.with_handle(self) do |h|
        rc = cancel_call_handle(h, id.to_s)
        next if rc == Status::ELATE
        raise Toolorch.error(rc, @orch.last_error_detail) unless rc.zero?

        cancelled = true
      end
      cancelled
    end

    # -- for the orchestrator --

    def handle=(handle)
      @handle = handle
    end

    def push(event)
      @events << event
    end

    def finish(event)
      @end_lock.synchronize do
        @end = event
        @ended.broadcast
      end
    end

    # Frees the C handle (called under the orchestrator's life lock).
    def release!
      return if @released || @handle.nil?

      @released = true
      free_handle(@handle)
    end

    def live_handle
      @released ? nil : @handle
    end

    private

    def wait_end
      @end_lock.synchronize do
        @ended.wait(@end_lock) while @end.nil?
        @end
      end
    end
  end

  # One run of the agent loop against the LLM of the "llm" options.
  class Job < Run
    # Blocks until the job ends: its Result, or raises the Toolorch::Error of
    # the failure (CancelledError after #cancel, ClosedError after close).
    def wait
      e = wait_end
      raise Toolorch.error(e.code, e.text) unless e.ok?

      Result.new(text: e.text, transcript: e.json, input_tokens: e.input_tokens, output_tokens: e.output_tokens)
    end

    def end_type = :job_done

    # The next event of the job's own queue (nil: none in time, or ended).
    def next_native_event(wait_ms) = Native.toolorch_ruby_job_next_event(@handle, wait_ms)

    private

    def free_handle(h) = Native.toolorch_job_free(h)
    def cancel_group_handle(h, name) = Native.toolorch_job_cancel_group(h, name)
    def cancel_handle(h) = Native.toolorch_job_cancel(h)
    def cancel_call_handle(h, id) = Native.toolorch_job_cancel_call(h, id)
  end

  # Many calls run at once without an LLM.
  class Batch < Run
    def initialize(*)
      super
      @results = []
    end

    def push(event)
      @results << CallResult.new(call_id: event.call_id, tool: event.tool, state: event.state, code: event.code,
                                 text: event.text, attempts: event.attempts) if event.type == :call_result
      super
    end

    # Blocks until every call has ended: the CallResults in the order they
    # ended. Raises only if the orchestrator closed first.
    def wait
      e = wait_end
      raise Toolorch.error(e.code, e.text) unless e.ok?

      @results.dup
    end

    def end_type = :batch_done

    # The next event of the batch's own queue (nil: none in time, or ended).
    def next_native_event(wait_ms) = Native.toolorch_ruby_batch_next_event(@handle, wait_ms)

    # How many calls the batch has (toolorch_batch_size), and how many have
    # ended so far (_ended). Once it has ended (or the orchestrator closed),
    # the number of results it gave.
    def size
      n = nil
      @orch.with_handle(self) { |h| n = Native.toolorch_batch_size(h) }
      n || @results.size
    end

    def ended
      n = nil
      @orch.with_handle(self) { |h| n = Native.toolorch_batch_ended(h) }
      n || @results.size
    end

    private

    def free_handle(h) = Native.toolorch_batch_free(h)
    def cancel_group_handle(h, name) = Native.toolorch_batch_cancel_group(h, name)
    def cancel_handle(h) = Native.toolorch_batch_cancel(h)
    def cancel_call_handle(h, id) = Native.toolorch_batch_cancel_call(h, id)
  end
end
