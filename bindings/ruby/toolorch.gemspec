# frozen_string_literal: true

# The toolorch gem. The build (cmake target toolorch_gem) stages this file
# with lib/, ext/toolorch/extconf.rb and the SWIG output
# (ext/toolorch/native_wrap.c) and runs `gem build` there, so that
# `gem install` compiles the extension against `pkg-config toolorch` with no
# SWIG and no network. See bindings/README.md.
require_relative "lib/toolorch/version"

Gem::Specification.new do |s|
  s.name = "toolorch"
  s.version = Toolorch::VERSION
  s.summary = "Fan one LLM decision out into many parallel tool calls (toolorch's Ruby binding)"
  s.description = "Ruby binding of toolorch, the C library that runs an LLM's tool calls at once " \
                  "under rate limits, with cancellation and streamed results. Needs the C library " \
                  "installed and visible to pkg-config."
  s.authors = ["toolorch"]
  s.required_ruby_version = ">= 2.7"
  s.files = Dir["lib/**/*.rb"] + Dir["ext/toolorch/*.{rb,c}"]
  s.extensions = ["ext/toolorch/extconf.rb"]
  s.require_paths = ["lib"]
  s.requirements << "the toolorch C library, found by pkg-config (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)"
end
