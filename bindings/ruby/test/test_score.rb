# frozen_string_literal: true

# Scorers (a batch group's scorer:, Orchestrator#scorer=) run on tool threads
# and decide their group when their score comes; single calls are cancelled
# by id (cancel_call).
require "minitest/autorun"
require "timeout"
require "toolorch"
require_relative "mock_llm"

class ScoreTest < Minitest::Test
  PATIENCE = 60

  def run_batch(o, calls, groups: nil)
    Timeout.timeout(PATIENCE) { o.run_batch(calls, groups: groups) }.to_h { |r| [r.call_id, r] }
  end

  def test_batch_group_scorer
    Toolorch::Orchestrator.open do |o|
      poor_scored = Queue.new
      o.register_tool("answer") do |args|
        poor_scored.pop if args[:text] == "great" # the poor answer is scored first, and cancels nothing
        args[:text]
      end
      o.register_tool("slow") { sleep PATIENCE }
      seen = Queue.new
      scorer = lambda do |s|
        seen << s
        next 0.9 if s.result == "great"

        poor_scored << true
        0.1
      end
      rs = run_batch(o, [{ tool: "answer", args: { text: "poor" }, id: "p", group: "q" },
                         { tool: "answer", args: { text: "great" }, id: "g", group: "q" },
                         { tool: "slow", id: "s", group: "q" }],
                     groups: { q: { cancel_on_better_result: { threshold: 0.8 }, scorer: scorer } })
      assert_equal "poor", rs["p"].text
      assert_equal "great", rs["g"].text
      assert_equal :cancelled, rs["s"].state
      assert_includes rs["s"].text, "answered well enough (score 0.9"
      first = seen.pop
      assert_equal ["q", "p", "answer", { text: "poor" }, "poor"], first.to_a
      assert_equal "g", seen.pop.call_id
      assert seen.empty?
    end
  end

  def test_orchestrator_scorer_for_job_groups
    script = '{"rounds": [{"tool_calls": [{"name": "quick", "arguments": {}}, {"name": "wait", "arguments": {}}]},
                          {"text": "seen: {tool_results}"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        o.register_tool("quick") { "fine" }
        o.register_tool("wait") { sleep PATIENCE }
        scored = Queue.new
        o.scorer = lambda do |s|
          scored << "#{s.group}:#{s.tool}:#{s.result}"
          0.7
        end
        job = o.start_job(prompt: "go", groups: [{ name: "b", tools: %w[quick wait],
                                                   cancel_on_better_result: { threshold: 0.5 } }])
        text = Timeout.timeout(PATIENCE) { job.wait.text }
        assert_includes text, "answered well enough (score 0.7"
        assert_equal "b:quick:fine", scored.pop
        # An exception (or a value that is no number) is no score: nothing
        # is cancelled, the group times out.
        o.scorer = ->(_s) { raise "no idea" }
        rs = run_batch(o, [{ tool: "quick", id: "q", group: "t" }, { tool: "wait", id: "w", group: "t" }],
                       groups: { t: { timeout_ms: 300, cancel_on_better_result: { threshold: 0 } } })
        assert rs["q"].ok?
        assert_equal :timed_out, rs["w"].state
        o.scorer = nil # back to 1.0 per success: cancels at once
        rs = run_batch(o, [{ tool: "quick", id: "q", group: "d" }, { tool: "wait", id: "w", group: "d" }],
                       groups: { d: { cancel_on_better_result: { threshold: 1 } } })
        assert_equal :cancelled, rs["w"].state
        assert_raises(ArgumentError) { o.scorer = 0.5 }
      end
    end
  end

  # A score that can no longer matter (every branch ended): CancelledError
  # lands in the scorer.
  def test_scorer_cancelled
    Toolorch::Orchestrator.open do |o|
      release = Queue.new
      scoring = Queue.new
      stopped = Queue.new
      o.register_tool("fast") { "f" }
      o.register_tool("gated") do
        release.pop
        "g"
      end
      scorer = lambda do |_s|
        scoring << true
        begin
          sleep PATIENCE
        rescue Toolorch::CancelledError
          stopped << true
          raise
        end
        1
      end
      b = o.start_batch([{ tool: "fast", id: "f", group: "g" }, { tool: "gated", id: "x", group: "g" }],
                        groups: { g: { cancel_on_better_result: { threshold: 0.5 }, scorer: scorer } })
      Timeout.timeout(PATIENCE) { scoring.pop }
      release << true
      Timeout.timeout(PATIENCE) { stopped.pop }
      rs = Timeout.timeout(PATIENCE) { b.wait }
      assert_equal 2, rs.size
      assert rs.all?(&:ok?), rs.inspect
    end
  end

  def test_batch_cancel_call
    Toolorch::Orchestrator.open do |o|
      interrupted = Queue.new
      release = Queue.new
      started = Queue.new
      o.register_tool("wait") do |args|
        started << args[:n]
        release.pop
        "done"
      rescue Toolorch::CancelledError
        interrupted << args[:n]
        raise
      end
      b = o.start_batch([{ tool: "wait", args: { n: 1 }, id: "a" }, { tool: "wait", args: { n: 2 }, id: "b" },
                         { tool: "wait", args: { n: 3 }, id: "c" }])
      Timeout.timeout(PATIENCE) { 3.times { started.pop } } # every tool runs: b's is interrupted
      assert_equal [3, 0], [b.size, b.ended]
      e = assert_raises(Toolorch::StateError) { b.cancel_group("nope") }
      assert_includes e.message, 'no group "nope"'
      assert b.cancel_call("b")
      assert_equal 1, b.ended # owned mode: the call has ended on return
      refute b.cancel_call("b"), "cancelling it again"
      e = assert_raises(Toolorch::InvalidError) { b.cancel_call("zz") }
      assert_includes e.message, 'no call "zz"'
      assert_equal 2, Timeout.timeout(PATIENCE) { interrupted.pop }
      2.times { release << true }
      results = Timeout.timeout(PATIENCE) { b.wait }
      assert_equal %w[b cancelled], [results.first.call_id, results.first.state.to_s] # ended first
      rs = results.to_h { |r| [r.call_id, r] }
      assert_equal "done", rs["a"].text
      assert_equal "done", rs["c"].text
      assert interrupted.empty?
      refute b.cancel_call("a"), "after the end"
      assert_equal [3, 3], [b.size, b.ended]
    end
  end

  def test_job_cancel_call
    script = '{"rounds": [{"tool_calls": [{"name": "wait", "arguments": {"i": 1}}, {"name": "wait", "arguments": {"i": 2}}]},
                          {"text": "seen: {tool_results}"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        first_runs = Queue.new
        release = Queue.new
        o.register_tool("wait") do |i:|
          first_runs << true if i == 1
          release.pop
          "answered #{i}"
        end
        job = o.start_job(prompt: "go")
        ids = Queue.new
        reader = Thread.new do
          job.each_event { |ev| ids << ev.call_id if ev.type == :llm_tool_call && ev.json.include?("1") }
        end
        Timeout.timeout(PATIENCE) { first_runs.pop }
        assert job.cancel_call(Timeout.timeout(PATIENCE) { ids.pop })
        # Two: the cancelled call's thread may take one before CancelledError
        # reaches it (its answer is then late, dropped).
        2.times { release << true }
        text = Timeout.timeout(PATIENCE) { job.wait.text }
        reader.join
        assert_includes text, "cancelled"
        assert_includes text, "answered 2"
        refute_includes text, "answered 1"
        refute job.cancel_call("x")
      end
    end
  end
end
