# frozen_string_literal: true

require "minitest/autorun"
require "toolorch"
require_relative "mock_llm"

class OrchestratorTest < Minitest::Test
  PATIENCE = 60 # seconds: a bound only a broken binding would reach
  SLACK_KIB = 20 * 1024

  def wait_for(queue_or_latch)
    Timeout.timeout(PATIENCE) { queue_or_latch.pop }
  end

  def wait_job(job)
    Timeout.timeout(PATIENCE) { job.wait }
  end

  # 50 calls of one round run at once: each tool waits until all 50 are in.
  def test_fifty_tools_run_at_once
    script = '{"rounds": [{"text": "Fetching.", "repeat": {"name": "wait50", "count": 50, "arguments": {"i": "{i}"}}},
                          {"text": "done: {tool_result_count} results"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        lock = Mutex.new
        all_in = ConditionVariable.new
        in_flight = max_seen = arrived = 0
        o.register_tool("wait50", description: "waits for the other 49", schema: { type: "object" }) do |args|
          lock.synchronize do
            in_flight += 1
            max_seen = [max_seen, in_flight].max
            arrived += 1
            all_in.broadcast if arrived == 50
            deadline = Time.now + PATIENCE
            all_in.wait(lock, deadline - Time.now) while arrived < 50 && Time.now < deadline
            in_flight -= 1
          end
          { i: args.fetch(:i).to_i }
        end
        text = +""
        asked = results = 0
        job = o.start_job(prompt: "fetch them all")
        job.each_event do |ev|
          case ev.type
          when :text_delta then text << ev.text
          when :llm_tool_call then asked += 1
          when :call_result
            assert_equal :succeeded, ev.state, ev.text
            results += 1
          end
        end
        res = wait_job(job)
        assert_equal "done: 50 results", res.text
        assert_equal 50, max_seen, "max concurrency seen in Ruby"
        assert_equal 50, o.stat(:max_running)
        assert_equal [50, 50], [asked, results]
        assert text.end_with?("done: 50 results"), text
        assert_kind_of Array, JSON.parse(res.transcript)
      end
    end
  end

  # An exception in a tool becomes that call's result for the model; the job goes on.
  def test_tool_exception_goes_to_the_model
    script = '{"rounds": [{"tool_calls": [{"name": "boom"}, {"name": "fine"}]}, {"text": "seen: {tool_results}"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        o.register_tool("boom") { |_| raise ArgumentError, "kaboom: disk on fire" }
        o.register_tool("fine") { |_| "all-good" }
        ends = {}
        res = o.run_job(prompt: "try") { |ev| ends[ev.tool] = ev if ev.type == :call_result }
        assert_includes res.text, "kaboom: disk on fire"
        assert_includes res.text, "all-good"
        assert_equal :failed, ends["boom"].state
        assert_kind_of Toolorch::ToolError, ends["boom"].error
        assert_equal :succeeded, ends["fine"].state
      end
    end
  end

  # job.cancel ends the job as cancelled, and the tool's thread gets CancelledError.
  def test_cancel_mid_job
    MockLLM.open('{"rounds": [{"tool_calls": [{"name": "slow"}]}, {"text": "late"}]}') do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        started = Thread::Queue.new
        interrupted = Thread::Queue.new
        o.register_tool("slow") do |_|
          started << true
          begin
            sleep PATIENCE
            "finished"
          rescue Toolorch::CancelledError
            interrupted << true
            raise
          end
        end
        job = o.start_job(prompt: "go slow")
        wait_for(started)
        job.cancel
        assert_raises(Toolorch::CancelledError) { wait_job(job) }
        assert wait_for(interrupted)
        assert_equal 1, o.stat("calls_cancelled")
        job.cancel # after the end: nothing happens
      end
    end
  end

  def rss_kib
    File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i
  end

  def settled_rss_kib
    3.times { GC.start(full_mark: true, immediate_sweep: true) }
    rss_kib
  end

  # 1,000 jobs (one tool call, two LLM rounds each) leave the process the size it was.
  def test_thousand_jobs_do_not_grow
    script = '{"rounds": [{"tool_calls": [{"name": "echo", "arguments": {"x": 1}}]}, {"text": "ok {tool_results}"}]}'
    MockLLM.open(script) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        o.register_tool("echo") { |args| args }
        run = ->(n) { n.times { assert_equal 'ok {"x":1}', wait_job(o.start_job(prompt: "echo")).text } }
        run.call(200) # warm-up
        before = settled_rss_kib
        run.call(1000)
        after = settled_rss_kib
        puts "\nRSS #{before} KiB -> #{after} KiB over 1000 jobs"
        assert_operator after - before, :<, SLACK_KIB
      end
    end
  end

  # 1,000 orchestrators, each running one Ruby tool through a batch, created and closed.
  def test_thousand_orchestrators_do_not_grow
    cycle = lambda do |n|
      n.times do
        Toolorch::Orchestrator.open(max_parallel_tools: 8) do |o|
          o.register_tool("id") { |args| args }
          r = o.run_batch([{ tool: "id", args: { n: 1 } }])
          assert_equal ['{"n":1}'], r.map(&:text)
        end
      end
    end
    cycle.call(200)
    before = settled_rss_kib
    cycle.call(1000)
    after = settled_rss_kib
    puts "\nRSS #{before} KiB -> #{after} KiB over 1000 orchestrators"
    assert_operator after - before, :<, SLACK_KIB
  end

  def test_invalid_config_names_the_key
    e = assert_raises(Toolorch::ConfigError) { Toolorch::Orchestrator.new(max_parallel_tools: 8, no_such_key: 1) }
    assert_includes e.message, "no_such_key"
    assert_equal Toolorch::Status::ECONFIG, e.code
    e = assert_raises(Toolorch::ConfigError) { Toolorch::Orchestrator.new('{"llm": {"protocol": "carrier-pigeon"}}') }
    assert_includes e.message, "carrier-pigeon"
    assert_raises(Toolorch::Error) { Toolorch::Orchestrator.new("{not json") }
  end

  def test_invalid_job_request_names_the_key
    Toolorch::Orchestrator.open(llm: { protocol: "openai", base_url: "http://127.0.0.1:9" }) do |o|
      e = assert_raises(Toolorch::Error) { o.start_job(prompt: "x", max_roundz: 3) }
      assert_includes e.message, "max_roundz"
    end
  end

  def test_batch_with_ruby_tools
    Toolorch::Orchestrator.open do |o|
      o.register_tool("upper", schema: { type: "object", required: ["s"] }, flags: Toolorch::SIDE_EFFECT_FREE) do |args|
        args.fetch(:s).upcase
      end
      calls = [{ tool: "nope", id: "missing" }, { tool: "upper", args: {}, id: "schema" }]
      20.times { |i| calls << { tool: "upper", args: { s: "w#{i}" }, id: "c#{i}" } }
      batch = o.start_batch(calls)
      streamed = batch.each_event.count { |ev| ev.type == :call_result }
      results = Timeout.timeout(PATIENCE) { batch.wait }
      assert_equal [22, 22], [results.size, streamed]
      results.each do |r|
        if r.call_id.start_with?("c")
          assert r.ok?, r.inspect
          assert_equal "W#{r.call_id[1..]}", r.text
        else
          assert_equal :failed, r.state, r.inspect
        end
      end
      utf8 = o.run_batch([{ tool: "upper", args: { s: "hé 😀" } }]).first.text
      assert_equal "HÉ 😀", utf8
      assert_equal Encoding::UTF_8, utf8.encoding
    end
  end

  def test_chain_of_ruby_tools
    Toolorch::Orchestrator.open do |o|
      o.register_tool("search") { |args| JSON.generate(top: args) }
      o.register_tool("combine") { |args| "combined #{JSON.generate(args)}" }
      o.register_chain(name: "research", steps: [
                         { parallel: [{ name: "s1", tool: "search", args: { q: "${input#/city} weather" } },
                                      { name: "s2", tool: "search", args: { q: "${input#/city} news" } }] },
                         { name: "c", tool: "combine", args: { parts: ["${s1#/top/q}", "${s2#/top/q}"] } }
                       ])
      err = assert_raises(Toolorch::ConfigError) do
        o.register_chain('{"name":"bad","steps":[{"name":"a","tool":"search","args":{"q":"${later}"}},{"name":"later","tool":"search"}]}')
      end
      assert_includes err.message, '"later"'
      results = o.run_batch([{ tool: "research", args: { city: "Oslo" }, id: "r1" }])
      by_id = results.to_h { |r| [r.call_id, r] }
      assert by_id["r1"].ok?, by_id["r1"].inspect
      assert_equal 'combined {"parts":["Oslo weather","Oslo news"]}', by_id["r1"].text
      assert_equal %w[r1 r1/c r1/s1 r1/s2], by_id.keys.sort
    end
  end

  # A Ruby block computes a chain step's arguments from the chain's input and
  # an earlier result; the tool gets them; an exception fails the chain naming the step.
  def test_chain_closure_computes_args
    Toolorch::Orchestrator.open do |o|
      o.register_tool("search") { |args| JSON.generate(top: args) }
      o.register_tool("combine") { |args| "combined #{JSON.generate(args)}" }
      chain = { name: "research", steps: [{ name: "s1", tool: "search", args: { q: "${input#/city} weather" } },
                                          { name: "c", tool: "combine" }] }
      err = assert_raises(Toolorch::ConfigError) { o.register_chain(chain, compute: "nope") { |_| {} } }
      assert_includes err.message, '"nope"'
      o.register_chain(chain, compute: "c") do |ctx|
        raise "nothing found for #{ctx.input[:city]}" if ctx.input[:city] == "Nowhere"

        top = JSON.parse(ctx.results[:s1], symbolize_names: true)[:top][:q]
        { parts: [top.upcase], step: ctx.step, chain: ctx.chain, id: ctx.call_id }
      end
      results = o.run_batch([{ tool: "research", args: { city: "Oslo" }, id: "r1" },
                             { tool: "research", args: { city: "Nowhere" }, id: "r2" }])
      by_id = results.to_h { |r| [r.call_id, r] }
      assert by_id["r1"].ok?, by_id["r1"].inspect
      assert_equal 'combined {"parts":["OSLO WEATHER"],"step":"c","chain":"research","id":"r1/c"}', by_id["r1"].text
      refute by_id["r2"].ok?
      assert_includes by_id["r2"].text, 'chain "research": step "c" failed: nothing found for Nowhere'
      refute by_id.key?("r2/c")
    end
  end

  # A closure still computing at the chain call's deadline gets CancelledError.
  def test_chain_deadline_cancels_its_closure
    Toolorch::Orchestrator.open(tool_timeout_ms: 100) do |o|
      o.register_tool("noop") { "{}" }
      interrupted = Thread::Queue.new
      o.register_chain({ name: "slow_chain", steps: [{ name: "n", tool: "noop" }] }, compute: "n") do |_|
        sleep PATIENCE
        {}
      rescue Toolorch::CancelledError
        interrupted << true
        raise
      end
      chain = o.run_batch([{ tool: "slow_chain", args: {}, id: "c" }]).find { |r| r.call_id == "c" }
      assert_equal :timed_out, chain.state, chain.inspect
      assert wait_for(interrupted)
    end
  end

  # close with tools still running: jobs end ClosedError, tool threads get CancelledError.
  def test_close_while_tools_run
    MockLLM.open('{"rounds": [{"tool_calls": [{"name": "stubborn"}, {"name": "stubborn"}]}, {"text": "x"}]}') do |mock|
      o = Toolorch::Orchestrator.new(mock.config)
      started = Thread::Queue.new
      interrupted = Thread::Queue.new
      o.register_tool("stubborn") do |_|
        started << true
        begin
          sleep PATIENCE
        rescue Toolorch::CancelledError
          interrupted << true
        end
        "late"
      end
      job = o.start_job(prompt: "x")
      2.times { wait_for(started) }
      o.close
      assert_raises(Toolorch::ClosedError) { wait_job(job) }
      2.times { assert wait_for(interrupted) }
      assert_equal(-1, o.stat(:calls_started))
      assert_raises(Toolorch::ClosedError) { o.start_job(prompt: "x") }
      o.close # idempotent
    end
  end

  def test_register_twice
    Toolorch::Orchestrator.open do |o|
      o.register_tool("t") { "" }
      assert_raises(Toolorch::ExistsError) { o.register_tool("t") { "" } }
      assert_raises(Toolorch::Error) { o.register_tool("bad", schema: { type: "string" }) { "" } }
      o.register_tool("bad", schema: { type: "object" }) { "" } # the name was given back
    end
  end

  # A tool that sleeps until its thread gets CancelledError (through TOOL_CANCELLED).
  def blocking_tool(o, started, interrupted)
    o.register_tool("slow") do |_|
      started << true
      begin
        sleep PATIENCE
        "finished"
      rescue Toolorch::CancelledError
        interrupted << true
        raise
      end
    end
  end

  SLOW_SCRIPT = '{"rounds": [{"tool_calls": [{"name": "slow"}]}, {"text": "late"}]}'

  # Leaving each_event with break cancels the job, and its tool is interrupted.
  def test_break_out_of_each_event_cancels_the_job
    MockLLM.open(SLOW_SCRIPT) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        started = Thread::Queue.new
        interrupted = Thread::Queue.new
        blocking_tool(o, started, interrupted)
        job = o.start_job(prompt: "go slow")
        seen = job.each_event do |ev|
          next unless ev.type == :llm_tool_call

          wait_for(started)
          break ev
        end
        assert_equal :llm_tool_call, seen.type
        assert_raises(Toolorch::CancelledError) { wait_job(job) }
        assert wait_for(interrupted)
        assert_equal 1, o.stat("calls_cancelled")
      end
    end
  end

  # An exception out of the block, and Timeout.timeout around each_event, cancel it too.
  def test_exception_or_timeout_in_each_event_cancels_the_job
    MockLLM.open(SLOW_SCRIPT) do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        started = Thread::Queue.new
        interrupted = Thread::Queue.new
        blocking_tool(o, started, interrupted)
        job = o.start_job(prompt: "go slow")
        wait_for(started) # its events wait for each_event meanwhile
        assert_raises(ArgumentError) do
          job.each_event { |ev| raise ArgumentError, "seen enough" if ev.type == :llm_tool_call }
        end
        assert_raises(Toolorch::CancelledError) { wait_job(job) }
        assert wait_for(interrupted)

        job = o.start_job(prompt: "go slow again")
        wait_for(started) # the job cannot end while its tool sleeps: each_event blocks
        assert_raises(Timeout::Error) { Timeout.timeout(0.3) { job.each_event { |_| nil } } }
        assert_raises(Toolorch::CancelledError) { wait_job(job) }
        assert wait_for(interrupted)
      end
    end
  end

  # A job read to its end is not cancelled by leaving each_event.
  def test_each_event_to_the_end_does_not_cancel
    MockLLM.open('{"rounds": [{"text": "done"}]}') do |mock|
      Toolorch::Orchestrator.open(mock.config) do |o|
        job = o.start_job(prompt: "hi")
        types = job.each_event.map(&:type)
        assert_equal :job_done, types.last
        assert_equal "done", wait_job(job).text
      end
    end
  end

  # Tool arguments come with symbol keys, or as keyword arguments.
  def test_tool_arguments_with_symbol_keys_and_keywords
    Toolorch::Orchestrator.open do |o|
      o.register_tool("hash") { |args| "#{args[:city]}/#{args[:where][:zip]}" }
      o.register_tool("kw") { |city:, **rest| "#{city}+#{rest.keys.join(',')}" }
      r = o.run_batch([{ tool: "hash", args: { city: "Oslo", where: { zip: "0150" } }, id: "h" },
                       { tool: "kw", args: { city: "Rome", lang: "it" }, id: "k" }])
      texts = r.to_h { |c| [c.call_id, c.text] }
      assert_equal({ "h" => "Oslo/0150", "k" => "Rome+lang" }, texts)
    end
  end

  # Codes, event types and call states are the C header's, as SWIG read them.
  def test_codes_come_from_the_header
    assert_equal Toolorch::Native::TOOLORCH_ECANCELLED, Toolorch::Status::ECANCELLED
    assert_equal Toolorch::Native::TOOLORCH_EMAXROUNDS, Toolorch::Status::EMAXROUNDS
    assert_equal :tool_cancelled, Toolorch::EVENT_TYPES[Toolorch::Native::TOOLORCH_EVENT_TOOL_CANCELLED]
    assert_equal :timed_out, Toolorch::CALL_STATES[Toolorch::Native::TOOLORCH_CALL_TIMED_OUT]
    names = Toolorch::Status.constants.map { |c| Toolorch::Status.const_get(c) }
    (Toolorch::Status::MIN..0).each { |code| assert_includes names, code }
  end
end
