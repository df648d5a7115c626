# frozen_string_literal: true

# bench/bindings, Ruby: 10,000 calls of a Ruby tool through one batch; CPU
# microseconds per call (process CPU time / calls, the library's threads
# included). Run by bench/bindings/run.sh.
require "toolorch"

def batch(orch, n)
  res = orch.run_batch(Array.new(n) { |i| { tool: "echo", args: "{\"i\":#{i}}" } })
  raise "#{res.size} results for #{n} calls" unless res.size == n

  bad = res.find { |r| !r.ok? }
  raise bad.error if bad
end

calls = (ARGV[0] || 10_000).to_i
Toolorch::Orchestrator.open(max_parallel_tools: 256) do |o|
  o.register_tool("echo") { |args| args }
  4.times { batch(o, 5000) } # warm-up: 20,000 calls, as in every language
  cpu0 = Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID)
  wall0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  batch(o, calls)
  us = (Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / calls
  wall_ms = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - wall0) * 1e3
  printf("ruby: %d calls, %.2f us CPU per call, %.1f ms wall\n", calls, us, wall_ms)
  printf("{\"lang\":\"ruby\",\"calls\":%d,\"cpu_us_per_call\":%.3f,\"wall_ms\":%.1f}\n", calls, us, wall_ms)
end
