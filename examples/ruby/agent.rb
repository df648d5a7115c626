# frozen_string_literal: true

# The example agent, in Ruby: a weather tool written in Ruby, a job that asks
# about three cities, the model's calls run at once, text streamed as it
# comes. With OPENAI_API_KEY set it talks to OpenAI; otherwise it starts the
# project's scripted LLM server (TOOLORCH_MOCKLLM) on a free loopback port.
#
#   cmake --build build --target run_example_ruby
require "json"
require "tempfile"
require "toolorch"

$stdout.sync = true

PROMPT = "What is the weather in Paris, Oslo and Lima? Which city is warmest?"

# What the scripted server plays when there is no API key.
SCRIPT = <<~JSON
  {"rounds": [
    {"text": "Let me check the three cities. ", "tool_calls": [
       {"name": "weather", "arguments": {"city": "Paris"}},
       {"name": "weather", "arguments": {"city": "Oslo"}},
       {"name": "weather", "arguments": {"city": "Lima"}}]},
    {"text": "Here is what the weather tool says: {tool_results}. Lima is the warmest."}],
   "chunk_gap_ms": 5}
JSON

TEMPERATURES = { "Paris" => 18, "Oslo" => 7, "Lima" => 24 }.freeze

llm = { protocol: "openai", api_key_env: "OPENAI_API_KEY", model: "gpt-4o-mini" }
mock = nil
unless ENV["OPENAI_API_KEY"]
  script = Tempfile.new(["toolorch-example", ".json"])
  script.write(SCRIPT)
  script.flush
  out, w = IO.pipe
  mock = spawn(ENV.fetch("TOOLORCH_MOCKLLM", "../../build/tools/mockllm/toolorch-mockllm"),
               "--port", "0", "--script", script.path, out: w)
  w.close
  addr = out.gets.to_s.chomp.delete_prefix("listening on ")
  llm = { protocol: "openai", base_url: "http://#{addr}", api_key: "none", model: "mock" }
  warn "(no OPENAI_API_KEY: using the scripted LLM server at #{addr})"
end

begin
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  Toolorch::Orchestrator.open(llm: llm) do |o|
    # The tool: a fixed table, and a pause to show the calls overlap.
    o.register_tool("weather", description: "Current temperature of a city",
                               schema: { type: "object", required: ["city"], properties: { city: { type: "string" } } },
                               flags: Toolorch::SIDE_EFFECT_FREE) do |args|
      sleep 0.3
      city = args.fetch(:city)
      raise ArgumentError, "no weather station in #{city.inspect}" unless TEMPERATURES.key?(city)

      { city: city, celsius: TEMPERATURES[city] }
    end

    job = o.start_job(prompt: PROMPT, max_rounds: 4)
    job.each_event do |ev|
      case ev.type
      when :text_delta then print ev.text
      when :llm_tool_call then $stderr.print "\n  -> #{ev.tool} #{ev.json}"
      when :call_result then $stderr.print "\n  <- #{ev.tool} #{ev.state} after #{ev.run_us / 1000} ms: #{ev.text}"
      when :round_done then puts
      end
    end
    res = job.wait
    ms = ((Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) * 1000).round
    puts "\nanswer: #{res.text}\n(#{res.input_tokens}+#{res.output_tokens} tokens, #{ms} ms)"
  end
ensure
  if mock
    Process.kill("TERM", mock)
    Process.wait(mock)
  end
end
