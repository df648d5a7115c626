# frozen_string_literal: true

module Toolorch
  # { number => :name } of the C header's enums, as SWIG read them:
  # TOOLORCH_EVENT_JOB_DONE -> :job_done, TOOLORCH_CALL_TIMED_OUT -> :timed_out.
  def self.enum_names(prefix)
    Native.constants.filter_map do |c|
      name = c.to_s
      [Native.const_get(c), name.delete_prefix(prefix).downcase.to_sym] if name.start_with?(prefix)
    end.to_h.freeze
  end
  EVENT_TYPES = enum_names("TOOLORCH_EVENT_")
  CALL_STATES = enum_names("TOOLORCH_CALL_")

  # One thing a job or batch reports. Fields that do not apply to its type
  # are nil.
  #   type          :call_started, :call_result, :batch_done, :text_delta,
  #                 :llm_tool_call, :usage, :round_done, :job_done
  #   call_id, tool call events
  #   json          :llm_tool_call, :call_started: the arguments; :job_done: the transcript
  #   text          :call_result: result or error; :text_delta: text; :job_done: answer or error
  #   state         :call_result: :succeeded, :failed, :cancelled, :timed_out
  #   code          :call_result, :batch_done, :job_done: 0 or the failure's status
  #   parent_call_id  a chain step's events: the chain's call id
  #   cache_read_tokens, cache_write_tokens  :usage, :job_done: parts of input_tokens
  #   max_attempts  :llm_retry: the last attempt allowed
  #   http_status   :llm_response, :llm_retry: the response's HTTP status (0: none)
  #   progress, progress_total  :progress (total 0: unknown); text = the tool's message
  #   speculation   :call_result: how a guess was taken over (0: none); :speculation: its outcome
  #   speculation_json  :job_done: the job's speculation summary ("" if it did not speculate)
  # :speculation, :progress, :llm_request, :llm_response, :llm_retry and
  # :rate_limit_wait (the last four with the option emit_progress_events)
  # carry every field that applies (include/toolorch/event.h).
  Event = Struct.new(:type, :call_id, :tool, :json, :text, :state, :code, :round, :input_tokens, :output_tokens,
                     :attempts, :run_us, :wait_us, :parent_call_id, :cache_read_tokens, :cache_write_tokens,
                     :max_attempts, :http_status, :progress, :progress_total, :speculation, :speculation_json,
                     keyword_init: true) do
    def ok?
      code.nil? || code.zero?
    end

    # A failed end as a Toolorch::Error (nil when it succeeded).
    def error
      ok? ? nil : Toolorch.error(code, text)
    end

    # Copies what an event of its type carries out of the C event.
    def self.read(ev)
      n = Native
      type = EVENT_TYPES.fetch(n.toolorch_event_type_of(ev), :none)
      case type
      when :call_started, :llm_tool_call
        new(type: type, call_id: n.toolorch_event_call_id(ev), tool: n.toolorch_event_tool_name(ev),
            json: n.toolorch_event_json(ev), round: n.toolorch_event_round(ev))
      when :call_result
        new(type: type, call_id: n.toolorch_event_call_id(ev), tool: n.toolorch_event_tool_name(ev),
            text: n.toolorch_event_text(ev), state: CALL_STATES.fetch(n.toolorch_event_call_state(ev), :pending),
            code: n.toolorch_event_status(ev), round: n.toolorch_event_round(ev),
            attempts: n.toolorch_event_attempts(ev), run_us: n.toolorch_event_run_us(ev),
            wait_us: n.toolorch_event_wait_us(ev), parent_call_id: n.toolorch_event_parent_call_id(ev),
            speculation: n.toolorch_event_speculation(ev))
      when :speculation, :progress, :llm_request, :llm_response, :llm_retry, :rate_limit_wait
        new(type: type, call_id: n.toolorch_event_call_id(ev), tool: n.toolorch_event_tool_name(ev),
            json: n.toolorch_event_json(ev), text: n.toolorch_event_text(ev), code: n.toolorch_event_status(ev),
            round: n.toolorch_event_round(ev), attempts: n.toolorch_event_attempts(ev),
            run_us: n.toolorch_event_run_us(ev), wait_us: n.toolorch_event_wait_us(ev),
            parent_call_id: n.toolorch_event_parent_call_id(ev), max_attempts: n.toolorch_event_max_attempts(ev),
            http_status: n.toolorch_event_http_status(ev), progress: n.toolorch_event_progress(ev),
            progress_total: n.toolorch_event_progress_total(ev), speculation: n.toolorch_event_speculation(ev))
      when :batch_done
        new(type: type, code: n.toolorch_event_status(ev))
      when :text_delta
        new(type: type, text: n.toolorch_event_text(ev))
      when :usage
        new(type: type, input_tokens: n.toolorch_event_input_tokens(ev), output_tokens: n.toolorch_event_output_tokens(ev),
            cache_read_tokens: n.toolorch_event_cache_read_tokens(ev),
            cache_write_tokens: n.toolorch_event_cache_write_tokens(ev))
      when :round_done
        new(type: type, round: n.toolorch_event_round(ev))
      when :job_done
        new(type: type, code: n.toolorch_event_status(ev), text: n.toolorch_event_text(ev),
            json: n.toolorch_event_json(ev), input_tokens: n.toolorch_event_input_tokens(ev),
            output_tokens: n.toolorch_event_output_tokens(ev), cache_read_tokens: n.toolorch_event_cache_read_tokens(ev),
            cache_write_tokens: n.toolorch_event_cache_write_tokens(ev),
            speculation_json: n.toolorch_event_speculation_json(ev))
      else
        new(type: type)
      end
    end
  end

  # A job's successful end.
  Result = Struct.new(:text, :transcript, :input_tokens, :output_tokens, keyword_init: true)

  # How one call of a batch ended.
  CallResult = Struct.new(:call_id, :tool, :state, :code, :text, :attempts, keyword_init: true) do
    def ok?
      state == :succeeded
    end

    def error
      ok? ? nil : Toolorch.error(code, text)
    end
  end
end
