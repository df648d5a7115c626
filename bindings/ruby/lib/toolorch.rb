# frozen_string_literal: true

# Toolorch runs tools written in Ruby under toolorch, the library that fans
# one LLM decision out into many parallel tool calls.
#
# The binding drives the library in its event-queue mode: the library runs
# its loop on its own thread; each job and batch has its own event queue in
# the library, which one Ruby thread (its consumer) reads -- waiting without
# the GVL -- until the run's final event; calls of Ruby tools run on Ruby
# threads of their own and are completed from there. No library thread ever
# calls into Ruby.
#
#   Toolorch::Orchestrator.open(llm: { protocol: "openai", api_key_env: "OPENAI_API_KEY" }) do |o|
#     o.register_tool("weather", schema: { type: "object", required: ["city"] }) { |args| { sky: "clear" } }
#     job = o.start_job(prompt: "Weather in Paris?")
#     job.each_event { |ev| print ev.text if ev.type == :text_delta }
#     puts job.wait.text
#   end
require "json"
require "toolorch/version"
require "toolorch/native"
require "toolorch/errors"
require "toolorch/event"
require "toolorch/run"
require "toolorch/orchestrator"
require "toolorch/metrics"
