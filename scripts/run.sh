#!/usr/bin/env bash
# Build and run the main job: the toolorch CLI running an agent whose 50
# tool calls run at once, against the scripted LLM server it starts itself
# when no API key is set (OPENAI_API_KEY / ANTHROPIC_API_KEY).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > build.cmake.log
# Only what the main job needs; build output on stderr, the answer alone on stdout.
cmake --build build -j "${JOBS:-2}" --target toolorch_cli >&2
exec build/tools/cli/toolorch run --config examples/agent.json \
  "Research the toolorch runtime using the tools in parallel, then answer"
