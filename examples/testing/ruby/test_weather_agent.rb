# frozen_string_literal: true

# Testing the weather agent with toolorch's test kit (docs/TESTING.md): the
# scripted LLM server instead of a model, a fake weather service, and
# minitest assertions.
require "minitest/autorun"
require "toolorch/testing"
require_relative "weather_agent"

class TestWeatherAgent < Minitest::Test
  include Toolorch::Testing::Assertions

  # A fake weather service: each lookup waits until `expected` lookups are in
  # progress at once (or 10 s pass, or it is opened), so calls run one at a
  # time make assert_toolorch_parallel fail instead of hanging.
  class FakeWeather
    def initialize(expected)
      @expected = expected
      @in_progress = 0
      @mu = Mutex.new
      @cv = ConditionVariable.new
      @open = false
    end

    def lookup(city)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 10
      @mu.synchronize do
        @in_progress += 1
        @cv.broadcast
        until @open || @in_progress >= @expected
          left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
          break if left <= 0

          @cv.wait(@mu, left)
        end
      end
      "#{city} #{city.length * 3 + 3}C"
    end

    def open!
      @mu.synchronize do
        @open = true
        @cv.broadcast
      end
    end
  end

  THREE_CITIES = {
    rounds: [
      { tool_calls: [{ name: "weather", arguments: { city: "Paris" } },
                     { name: "weather", arguments: { city: "Oslo" } },
                     { name: "weather", arguments: { city: "Rome" } }] },
      { text: "Forecast: {tool_results}" }
    ]
  }.freeze

  def start(script, expected)
    @llm = Toolorch::Testing::Server.new(script)
    @fake = FakeWeather.new(expected)
    @agent = WeatherAgent.new({ protocol: "openai", base_url: @llm.url, api_key: "sk-test", model: "gpt-4o-mini" },
                              @fake, emit_call_started: true)
    @rec = Toolorch::Testing::Recorder.new
  end

  def teardown
    @fake&.open!
    @agent&.close
    @rec&.free
    @llm&.stop
  end

  def test_looks_up_every_city_at_once
    start(THREE_CITIES, 3)
    @rec.record_all(@agent.ask("Weather in Paris, Oslo and Rome?"))

    assert_toolorch_calls @rec, [{ tool: "weather", arguments: { city: "Rome" } },
                                 { tool: "weather", arguments: { city: "Paris" } },
                                 { tool: "weather", arguments: { city: "Oslo" } }], only: true
    assert_toolorch_parallel @rec, "weather"
    assert_toolorch_max_running @rec, 3
    assert_toolorch_answer @rec, "Forecast: Paris 18C,Oslo 15C,Rome 15C"
    assert_toolorch_no_duplicate_results @rec, @llm
    assert_toolorch_results_matched @llm
    assert_equal 2, @llm.stat("requests.total")
  end

  def test_survives_a_server_error
    start({ rounds: [{ tool_calls: [{ name: "weather", arguments: { city: "Lima" } }] },
                     { text: "Forecast: {tool_results}" }],
            faults: [{ round: 0, kind: "http_500", times: 1 }] }, 1)
    @rec.record_all(@agent.ask("Weather in Lima?"))
    assert_toolorch_calls @rec, [{ tool: "weather", arguments: { city: "Lima" } }], only: true
    assert_toolorch_answer @rec, "Forecast: Lima 15C"
    assert_equal 1, @llm.stat("faults_injected.http_500")
  end

  def test_cancel_stops_the_lookup
    start(THREE_CITIES, 99) # never all in: the lookups wait
    job = @agent.ask("Weather in Paris, Oslo and Rome?")
    started = 0
    job.each_event do |ev|
      @rec.record(ev)
      job.cancel if ev.type == :call_started && (started += 1) == 3 # the user gives up
    end
    assert_toolorch_cancelled @rec, "weather"
    assert_toolorch_no_duplicate_results @rec, @llm
    assert_raises(Toolorch::Error) { job.wait }
  end
end
