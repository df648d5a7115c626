# frozen_string_literal: true

# An outside Ruby program using the installed toolorch gem: a tool written in
# Ruby, called three times at once through a batch, then through a chain whose
# step's arguments a Ruby block computes, then in a branch group whose Ruby
# scorer cancels the branch still running (no LLM needed).
# bindings/README.md shows how the gem is installed;
# tests/packaging/test_outside_ruby.sh installs it and runs this against a
# temporary install prefix.
require "toolorch"

Toolorch::Orchestrator.open(max_parallel_tools: 8) do |o|
  o.register_tool("upper", description: "Upper-cases a word",
                           schema: { type: "object", properties: { word: { type: "string" } }, required: ["word"] },
                           flags: Toolorch::SIDE_EFFECT_FREE) do |args|
    args[:word].upcase
  end
  calls = %w[go java ruby].map { |w| { tool: "upper", args: { word: w }, id: w } }
  o.run_batch(calls).sort_by(&:call_id).each do |r|
    raise "#{r.call_id}: #{r.text}" unless r.ok?

    puts "upper(#{r.call_id}) = #{r.text}"
  end
  o.register_chain({ name: "shout", steps: [{ name: "u", tool: "upper" }] }, compute: "u") do |ctx|
    { word: ctx.input[:words].join("-") }
  end
  shout = o.run_batch([{ tool: "shout", args: { words: %w[a chain] }, id: "shout" }]).find { |r| r.call_id == "shout" }
  raise "shout: #{shout.text}" unless shout.ok?

  puts "shout = #{shout.text}"
  o.register_tool("hold", description: "Waits until cancelled") { sleep }
  scorer = ->(s) { s.result == "YES" ? 1 : 0 }
  rs = o.run_batch([{ tool: "upper", args: { word: "yes" }, id: "yes", group: "g" }, { tool: "hold", id: "hold", group: "g" }],
                   groups: { g: { cancel_on_better_result: { threshold: 0.5 }, scorer: scorer } })
  puts "scored: #{rs.sort_by(&:call_id).map { |r| "#{r.call_id} #{r.state}" }.join(', ')}"
end
