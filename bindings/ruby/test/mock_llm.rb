# frozen_string_literal: true

require "fileutils"
require "tmpdir"
require "timeout"

# The project's scripted LLM server (TOOLORCH_MOCKLLM, set by ctest) on a free
# loopback port.
class MockLLM
  attr_reader :address

  def initialize(script)
    bin = ENV.fetch("TOOLORCH_MOCKLLM") do
      raise "TOOLORCH_MOCKLLM must name the toolorch-mockllm program (ctest sets it)"
    end
    @dir = Dir.mktmpdir("toolorch-mock")
    File.write(File.join(@dir, "script.json"), script)
    @out, w = IO.pipe
    @pid = spawn(bin, "--port", "0", "--port-file", File.join(@dir, "port"), "--script", File.join(@dir, "script.json"),
                 out: w)
    w.close
    Timeout.timeout(30) do
      while (line = @out.gets)
        break @address = line.chomp.delete_prefix("listening on ") if line.start_with?("listening on ")
      end
    end
    raise "the scripted LLM server did not start" unless @address
  end

  # Options that point an orchestrator at this server.
  def config
    { llm: { protocol: "openai", base_url: "http://#{@address}", api_key: "test", model: "mock" } }
  end

  def close
    Process.kill("TERM", @pid)
    Process.wait(@pid)
    @out.close
    FileUtils.rm_rf(@dir)
  end

  def self.open(script)
    mock = new(script)
    yield mock
  ensure
    mock&.close
  end
end
