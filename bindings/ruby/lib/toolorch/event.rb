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
  Event = Struct.new(:type, :call_id, :tool, :json, :text, :state, :code, :round, :input_tokens, :output_tokens,
                     :attempts, :run_us, :wait_us, keyword_init: true) do
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
            wait_us: n.toolorch_event_wait_us(ev))
      when :batch_done
        new(type: type, code: n.toolorch_event_status(ev))
      when :text_delta
        new(type: type, text: n.toolorch_event_text(ev))
      when :usage
        new(type: type, input_tokens: n.toolorch_event_input_tokens(ev), output_tokens: n.toolorch_event_output_tokens(ev))
      when :round_done
        new(type: type, round: n.toolorch_event_round(ev))
      when :job_done
        new(type: type, code: n.toolorch_event_status(ev), text: n.toolorch_event_text(ev),
            json: n.toolorch_event_json(ev), input_tokens: n.toolorch_event_input_tokens(ev),
            output_tokens: n.toolorch_event_output_tokens(ev))
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
