# frozen_string_literal: true

require "toolorch"

# A weather agent built on toolorch: the model asks for the tool "weather"
# once per city, the agent looks each city up with a weather service (any
# object with #lookup(city)), and the model writes the forecast.
# test_weather_agent.rb tests it with the test kit.
class WeatherAgent
  def initialize(llm, service, emit_call_started: false)
    @o = Toolorch::Orchestrator.new(llm: llm, max_parallel_tools: 8, emit_call_started: emit_call_started)
    @o.register_tool("weather", description: "The weather forecast for a city",
                                schema: { type: "object", required: ["city"], properties: { city: { type: "string" } } },
                                flags: Toolorch::SIDE_EFFECT_FREE) do |args|
      service.lookup(args.fetch(:city))
    end
  end

  # Starts a job answering question.
  def ask(question)
    @o.start_job(prompt: question, tools: ["weather"], llm_backoff_base_ms: 10)
  end

  def close
    @o.close
  end
end
