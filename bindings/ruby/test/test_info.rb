# frozen_string_literal: true

# library_version, check_job, MCP servers, and the events the other tests do
# not see: :progress (an MCP tool's), :llm_request / :llm_response.
require "minitest/autorun"
require "timeout"
require "toolorch"
require_relative "mock_llm"

class InfoTest < Minitest::Test
  PATIENCE = 60

  def test_library_version
    assert_match(/\A\d+\.\d+\.\d+\z/, Toolorch.library_version)
  end

  def test_check_job
    MockLLM.open('{"rounds": [{"text": "unused"}]}') do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        o.register_tool("t") { "" }
        assert_nil o.check_job(prompt: "x", tools: ["t"])
        e = assert_raises(Toolorch::ConfigError) { o.check_job('{"prompt": "x", "bogus": 1}') }
        assert_includes e.message, "bogus"
        assert_raises(Toolorch::UnknownToolError) { o.check_job(prompt: "x", tools: ["nope"]) }
        assert_equal 0, o.stat("calls_started")
      end
    end
    Toolorch::Orchestrator.open { |bare| assert_raises(Toolorch::ConfigError) { bare.check_job(prompt: "x") } }
  end

  # The project's scripted MCP server over stdio (ctest sets its paths).
  def test_mcp_server_and_progress
    node = ENV.fetch("TOOLORCH_TEST_NODE", nil)
    script = ENV.fetch("TOOLORCH_SCRIPTED_MCP", nil)
    skip "no node" unless node && script
    Toolorch::Orchestrator.open do |o|
      o.add_mcp_server(name: "s", command: [node, script])
      assert_equal 1, o.mcp_stat("s", "ready")
      assert_operator o.mcp_stat("s", "tools"), :>=, 5
      assert_equal(-1, o.mcp_stat("nope", "ready"))
      refute_empty o.mcp_revision("s")
      assert_equal "", o.mcp_revision("nope")
      b = o.start_batch([{ tool: "echo", args: { text: "one" }, id: "a" },
                         { tool: "slow", args: { ms: 300, steps: 3 }, id: "e" }])
      events = Timeout.timeout(PATIENCE) { b.each_event.to_a }
      results = events.select { |ev| ev.type == :call_result }.to_h { |ev| [ev.call_id, ev.text] }
      assert_equal({ "a" => "one", "e" => "slow done" }, results)
      progress = events.select { |ev| ev.type == :progress }
      assert_equal [["e", "slow", 1.0, 3.0, "step 1"], ["e", "slow", 2.0, 3.0, "step 2"], ["e", "slow", 3.0, 3.0, "step 3"]],
                   progress.map { |p| [p.call_id, p.tool, p.progress, p.progress_total, p.text] }
      assert_equal 2, o.mcp_stat("s", "calls")
      assert_raises(Toolorch::ConfigError) { o.add_mcp_server('{"name": "bad", "command": ["x"], "colour": 1}') }
    end
  end

  def test_llm_progress_events
    MockLLM.open('{"rounds": [{"text": "hi"}]}') do |mock|
      config = mock.config.merge(emit_progress_events: true)
      Toolorch::Orchestrator.open(config) do |o|
        job = o.start_job(prompt: "go")
        seen = Timeout.timeout(PATIENCE) { job.each_event.select { |ev| %i[llm_request llm_response].include?(ev.type) } }
        assert_equal "hi", job.wait.text
        assert_equal %i[llm_request llm_response], seen.map(&:type)
        assert_equal [1, 1], [seen[0].round, seen[0].attempts]
        assert_equal [200, 0], [seen[1].http_status, seen[1].code]
        assert_operator seen[1].run_us, :>, 0
      end
    end
  end
end
