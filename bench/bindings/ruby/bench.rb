# frozen_string_literal: true

# bench/bindings, Ruby: 10,000 calls of a Ruby tool through one batch; CPU
# microseconds per call (process CPU time / calls, the library's threads
# included); then the latency from a call's result to the each_event block:
# 1,000 batches of one call, each from the tool's return to the block seeing
# its CALL_RESULT (median and p99, microseconds). Run by
# bench/bindings/run.sh.
require "toolorch"

def batch(orch, n)
  res = orch.run_batch(Array.new(n) { |i| { tool: "echo", args: "{\"i\":#{i}}" } })
  raise "#{res.size} results for #{n} calls" unless res.size == n

  bad = res.find { |r| !r.ok? }
  raise bad.error if bad
end

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

$returned = 0.0 # when the echo tool last returned

def result_latency_us(orch)
  seen = nil
  orch.start_batch([{ tool: "echo", args: '{"i":0}' }]).each_event { |ev| seen = now if ev.type == :call_result }
  (seen - $returned) * 1e6
end

calls = (ARGV[0] || 10_000).to_i
Toolorch::Orchestrator.open(max_parallel_tools: 256) do |o|
  o.register_tool("echo") do |args|
    $returned = now
    args
  end
  4.times { batch(o, 5000) } # warm-up: 20,000 calls, as in every language
  cpu0 = Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID)
  wall0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  batch(o, calls)
  us = (Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / calls
  wall_ms = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - wall0) * 1e3
  lat = Array.new(1000) { result_latency_us(o) }.sort
  median = lat[lat.size / 2]
  p99 = lat[lat.size * 99 / 100]
  printf("ruby: %d calls, %.2f us CPU per call, %.1f ms wall; result -> each_event %.1f us median, %.1f us p99\n",
         calls, us, wall_ms, median, p99)
  printf("{\"lang\":\"ruby\",\"calls\":%d,\"cpu_us_per_call\":%.3f,\"wall_ms\":%.1f," \
         "\"result_to_callback_us\":{\"median\":%.1f,\"p99\":%.1f}}\n", calls, us, wall_ms, median, p99)
end
