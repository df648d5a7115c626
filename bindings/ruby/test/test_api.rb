# frozen_string_literal: true

# The rest of the C API, one test per exposed function: HTTP and command
# tools, per-tool settings, retries, rate-limit stats, branch groups, group
# cancel, keyword-argument requests and options.
require "minitest/autorun"
require "timeout"
require "toolorch"
require_relative "mock_llm"

class ApiTest < Minitest::Test
  PATIENCE = 60

  def run_batch(o, calls, groups: nil)
    Timeout.timeout(PATIENCE) { o.run_batch(calls, groups: groups) }.to_h { |r| [r.call_id, r] }
  end

  def test_http_tool
    MockLLM.open('{"rounds": [{"text": "unused"}]}') do |mock|
      Toolorch::Orchestrator.open do |o|
        base = "http://#{mock.address}"
        o.register_tool("echo", http: { url: "#{base}/tools/echo", headers: ["X-Test: 1"] })
        o.register_tool("teapot", http: "#{base}/tools/echo?status=418")
        rs = run_batch(o, [{ tool: "echo", args: { n: 1 }, id: "a" }, { tool: "echo", args: '{"n":2}', id: "b" },
                           { tool: "teapot", id: "c" }])
        assert_equal '{"n":1}', rs["a"].text
        assert_equal '{"n":2}', rs["b"].text
        assert_equal :failed, rs["c"].state
        assert_includes rs["c"].text, "HTTP 418"
        assert_raises(Toolorch::InvalidError) { o.register_tool("bad", http: "ftp://x") }
        assert_raises(Toolorch::InvalidError) { o.register_tool("badh", http: { url: base, headers: ["no colon"] }) }
      end
    end
  end

  def test_command_tool
    Toolorch::Orchestrator.open do |o|
      o.register_tool("cat", command: ["cat"])
      o.register_tool("fail", command: ["sh", "-c", "echo oops >&2; exit 3"])
      rs = run_batch(o, [{ tool: "cat", args: { x: "y" }, id: "a" }, { tool: "fail", id: "b" }])
      assert_equal '{"x":"y"}', rs["a"].text
      assert_equal :failed, rs["b"].state
      assert_includes rs["b"].text, "status 3"
      assert_includes rs["b"].text, "oops"
      assert_raises(Toolorch::InvalidError) { o.register_tool("none", command: []) }
      assert_raises(ArgumentError) { o.register_tool("two", command: ["cat"]) { "x" } }
      assert_raises(ArgumentError) { o.register_tool("zero") }
    end
  end

  def test_max_parallel_per_tool
    Toolorch::Orchestrator.open do |o|
      lock = Mutex.new
      running = most = 0
      o.register_tool("one", max_parallel: 1) do
        lock.synchronize { most = [most, running += 1].max }
        sleep 0.005
        lock.synchronize { running -= 1 }
        "ok"
      end
      run_batch(o, Array.new(8) { { tool: "one" } }).each_value { |r| assert r.ok?, r.inspect }
      assert_equal 1, most
    end
  end

  def test_timeout_per_tool
    Toolorch::Orchestrator.open do |o|
      stopped = Queue.new
      started = false
      o.register_tool("hang", timeout_ms: 20) do
        started = true
        sleep PATIENCE
      rescue Toolorch::CancelledError
        stopped << true
        raise
      end
      rs = run_batch(o, [{ tool: "hang", id: "h" }])
      assert_equal :timed_out, rs["h"].state
      # Under load the deadline may pass before the tool's thread picks the
      # call up (then it never runs); once it ran, it must be told.
      assert Timeout.timeout(PATIENCE) { stopped.pop } if started
    end
  end

  def test_retry_policy
    Toolorch::Orchestrator.open do |o|
      tries = Hash.new(0)
      lock = Mutex.new
      o.register_tool("r", retry_policy: { attempts: 2, backoff: :fixed, base_ms: 1, max_ms: 1 }) do |args|
        n = lock.synchronize { tries[args[:mode]] += 1 }
        raise Toolorch::ToolFailure.retryable("try #{n} failed") if args[:mode] == "flaky" && n < 3
        raise "not marked retryable" if args[:mode] == "plain"

        "ok"
      end
      rs = run_batch(o, [{ tool: "r", args: { mode: "flaky" }, id: "f" }, { tool: "r", args: { mode: "plain" }, id: "p" }])
      assert rs["f"].ok?, rs["f"].inspect
      assert_equal 3, rs["f"].attempts
      assert_equal :failed, rs["p"].state
      assert_equal 1, rs["p"].attempts
      assert_raises(ArgumentError) { o.register_tool("x", retry_policy: { attempts: 1, backoff: :sometimes }) { "x" } }
    end
  end

  def test_service_and_limits_stats
    o = Toolorch::Orchestrator.new(rate_limits: { services: { svc: { calls: 1000, window_s: 60 } } })
    begin
      o.register_tool("s", service: "svc") { "ok" }
      run_batch(o, Array.new(3) { { tool: "s" } })
      assert_equal 3, o.limits_stat("svc", "granted")
      assert_equal 0, o.limits_stat("svc", "waiting")
      assert_equal(-1, o.limits_stat("svc", "no_such_key"))
      assert_operator o.current_rate("svc"), :>, 0
      assert_operator o.current_rate("svc"), :<=, 1000
      assert_equal 0, o.limits_backend_stat("redis_connected")
      Toolorch::Orchestrator.open do |plain|
        assert_equal(-1, plain.limits_stat("svc", "granted"))
        assert_operator plain.current_rate("svc"), :<, 0
      end
    ensure
      o.close
    end
    assert_equal(-1, o.limits_stat("svc", "granted"))
    assert_equal(-1, o.limits_backend_stat("redis_errors"))
    assert_operator o.current_rate("svc"), :<, 0
  end

  def test_batch_group_keep_top_n
    MockLLM.open('{"rounds": [{"text": "unused"}]}') do |mock|
      Toolorch::Orchestrator.open do |o|
        o.register_tool("web", http: "http://#{mock.address}/tools/echo")
        o.register_tool("slow", http: "http://#{mock.address}/tools/echo?delay_ms=60000")
        rs = run_batch(o, [{ tool: "web", args: { q: 1 }, id: "fast", group: "g" },
                           { tool: "slow", id: "slow", group: "g" }, { tool: "slow", id: "slow2", group: "g" }],
                       groups: { "g" => { keep_top_n_branches: 1 } })
        assert rs["fast"].ok?, rs.inspect
        assert_equal :cancelled, rs["slow"].state
        assert_equal :cancelled, rs["slow2"].state
        e = assert_raises(Toolorch::Error) { o.start_batch([], groups: { x: '{"bogus": 1}' }) }
        assert_includes e.message, "bogus"
        assert_raises(Toolorch::Error) { o.start_batch([{ tool: "web", group: "undeclared" }]) }
      end
    end
  end

  def test_batch_cancel_group
    MockLLM.open('{"rounds": [{"text": "unused"}]}') do |mock|
      Toolorch::Orchestrator.open do |o|
        o.register_tool("slow", http: "http://#{mock.address}/tools/echo?delay_ms=60000")
        release = Queue.new
        o.register_tool("gate") do
          release.pop
          "through"
        end
        b = o.start_batch([{ tool: "slow", id: "s1", group: "research" }, { tool: "slow", id: "s2", group: "research" },
                           { tool: "gate", id: "g" }], groups: { research: {} })
        b.cancel_group("research")
        cancelled = []
        Timeout.timeout(PATIENCE) do
          b.each_event do |ev|
            next unless ev.type == :call_result && ev.state == :cancelled

            cancelled << ev.call_id
            release << true if cancelled.size == 2
          end
        end
        assert_equal %w[s1 s2], cancelled.sort
        rs = b.wait.to_h { |r| [r.call_id, r] }
        assert_equal "through", rs["g"].text
      end
    end
  end

  def test_job_keyword_request_and_cancel_group
    script = '{"rounds": [{"tool_calls": [{"name": "wait", "arguments": {"i": 1}}, {"name": "wait", "arguments": {"i": 2}}]},
                          {"text": "seen: {tool_results}"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        started = Queue.new
        o.register_tool("wait") do
          started << true
          sleep PATIENCE
        end
        job = o.start_job(prompt: "go", system: "be brief", stream: false,
                          groups: [{ name: "branches", tools: ["wait"] }])
        Timeout.timeout(PATIENCE) { 2.times { started.pop } }
        job.cancel_group("branches")
        text = Timeout.timeout(PATIENCE) { job.wait.text }
        assert text.start_with?("seen: "), text
        assert_equal 2, text.scan('group "branches" was cancelled').size, text
        e = assert_raises(Toolorch::Error) { o.start_job(prompt: "x", eager_dispatch: "sometimes") }
        assert_includes e.message, "eager_dispatch"
      end
    end
  end

  def test_keyword_options
    Toolorch::Orchestrator.open(max_parallel_tools: 3, tool_timeout_ms: 1000, emit_call_started: true) do |o|
      o.register_tool("t") { "ok" }
      assert run_batch(o, [{ tool: "t", id: "x" }])["x"].ok?
    end
    assert_raises(Toolorch::ConfigError) { Toolorch::Orchestrator.new(no_such_option: 1) }
  end
end
