# frozen_string_literal: true

# Metrics through the Ruby layer: user counters, gauges and histograms, the
# exposition text, the built-in /metrics endpoint (observability options),
# the library's own families after a batch, and the failures.
require "minitest/autorun"
require "net/http"
require "timeout"
require "toolorch"

class MetricsTest < Minitest::Test
  PATIENCE = 60

  def assert_line(text, line)
    assert_includes text.split("\n"), line, "no line #{line} in:\n#{text}"
  end

  def test_user_and_built_in_metrics
    Toolorch::Orchestrator.open(observability: { metrics_listen: "127.0.0.1:0" }) do |o|
      o.register_tool("ok") { |_args| "fine" }
      requests = o.counter(:app_requests_total, help: "Requests served.", labels: [:route])
      requests.increment(labels: { route: "/a" })
      requests.increment(by: 2, labels: { route: "/a" })
      requests.increment(labels: { route: "say \"hi\"\n" }) # escaped as the format wants
      queue = o.gauge(:app_queue_depth, help: "Items waiting.")
      queue.set(5)
      queue.decrement(by: 1.5)
      latency = o.histogram(:app_latency_seconds, help: "Latency.", labels: [:route], buckets: [0.1, 1])
      [0.05, 0.5, 3].each { |v| latency.observe(v, labels: { route: "/a" }) }
      o.counter(:app_requests_total, help: "Requests served.", labels: [:route]).increment(labels: { "route" => "/a" })

      Timeout.timeout(PATIENCE) { o.run_batch(Array.new(5) { { tool: "ok" } }) }

      text = o.metrics_text
      assert_equal Encoding::UTF_8, text.encoding
      assert_line text, "# TYPE app_requests_total counter"
      assert_line text, 'app_requests_total{route="/a"} 4'
      assert_line text, 'app_requests_total{route="say \"hi\"\n"} 1'
      assert_line text, "# TYPE app_queue_depth gauge"
      assert_line text, "app_queue_depth 3.5"
      assert_line text, "# TYPE app_latency_seconds histogram"
      assert_line text, 'app_latency_seconds_bucket{route="/a",le="0.1"} 1'
      assert_line text, 'app_latency_seconds_bucket{route="/a",le="1"} 2'
      assert_line text, 'app_latency_seconds_bucket{route="/a",le="+Inf"} 3'
      assert_line text, 'app_latency_seconds_sum{route="/a"} 3.55'
      assert_line text, 'app_latency_seconds_count{route="/a"} 3'
      assert_line text, 'toolorch_tools_total{tool_name="ok",status="succeeded"} 5'

      port = o.metrics_port
      assert_operator port, :>, 0
      res = Net::HTTP.get_response(URI("http://127.0.0.1:#{port}/metrics"))
      assert_equal "200", res.code
      assert_line res.body, 'app_requests_total{route="/a"} 4'
      assert_line res.body, 'toolorch_tools_total{tool_name="ok",status="succeeded"} 5'
    end
  end

  def test_failures
    Toolorch::Orchestrator.open do |o|
      assert_equal(-1, o.metrics_port)
      c = o.counter(:app_things_total, labels: [:kind])
      assert_raises(Toolorch::InvalidError) { c.increment }
      assert_raises(Toolorch::InvalidError) { c.increment(labels: { kind: "a", other: "b" }) }
      assert_raises(Toolorch::InvalidError) { c.increment(by: -1, labels: { kind: "a" }) }
      assert_raises(Toolorch::ExistsError) { o.gauge(:app_things_total) }
      assert_raises(Toolorch::InvalidError) { o.gauge(:toolorch_mine) }
      assert_raises(Toolorch::InvalidError) { o.counter(:"1abc") }
      assert_raises(Toolorch::InvalidError) { o.histogram(:app_h, buckets: [1, 0.5]) }
      refute_includes o.metrics_text, "app_things_total{"
    end
    quiet = Toolorch::Orchestrator.new(observability: { metrics: false })
    assert_raises(Toolorch::StateError) { quiet.metrics_text }
    assert_raises(Toolorch::StateError) { quiet.counter(:app_x_total) }
    quiet.close
    assert_raises(Toolorch::ClosedError) { quiet.metrics_text }
  end
end
