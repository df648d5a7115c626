# frozen_string_literal: true

require "fiddle"
require "fiddle/import"
require "json"
require "toolorch"

module Toolorch
  # toolorch's test kit for Ruby tests (docs/TESTING.md): the scripted LLM
  # server in the test's process, a recorder of a job's events, and minitest
  # assertions. It loads libtoolorch_testing (with Fiddle, Ruby's own FFI)
  # only when required, so programs that do not require "toolorch/testing"
  # never load it. The library is found from TOOLORCH_TESTING_LIB, else
  # pkg-config's toolorch-testing libdir, else the loader's path.
  module Testing
    MSG_SIZE = 4096

    def self.library_path
      return ENV["TOOLORCH_TESTING_LIB"] if ENV["TOOLORCH_TESTING_LIB"]

      libdir = IO.popen(%w[pkg-config --variable=libdir toolorch-testing], err: File::NULL, &:read).to_s.strip
      path = File.join(libdir, "libtoolorch_testing.so.0")
      !libdir.empty? && File.exist?(path) ? path : "libtoolorch_testing.so.0"
    rescue SystemCallError
      "libtoolorch_testing.so.0"
    end

    # The C functions of include/toolorch/testing.h.
    module C
      extend Fiddle::Importer
      dlload Testing.library_path
      extern "int toolorch_testing_server_start(const char *, int, void **, char *, size_t)"
      extern "void toolorch_testing_server_stop(void *)"
      extern "const char *toolorch_testing_server_url(void *, const char *)"
      extern "const char *toolorch_testing_server_seen(void *)"
      extern "long long toolorch_testing_server_stat(void *, const char *)"
      extern "void *toolorch_testing_recorder_new()"
      extern "void toolorch_testing_recorder_free(void *)"
      extern "int toolorch_testing_record_fields(void *, int, const char *, const char *, const char *, " \
             "const char *, int, int)"
      extern "const char *toolorch_testing_recorder_json(void *)"
      extern "int toolorch_testing_recorder_max_running(void *)"
      extern "int toolorch_testing_expect_calls(void *, const char *, int, char *, size_t)"
      extern "int toolorch_testing_expect_parallel(void *, const char *, char *, size_t)"
      extern "int toolorch_testing_expect_max_running(void *, int, char *, size_t)"
      extern "int toolorch_testing_expect_cancelled(void *, const char *, char *, size_t)"
      extern "int toolorch_testing_expect_answer(void *, const char *, char *, size_t)"
      extern "int toolorch_testing_expect_no_duplicate_results(void *, void *, char *, size_t)"
      extern "int toolorch_testing_expect_results_matched(void *, char *, size_t)"
    end

    # Runs an expectation with a message buffer: [holds?, message].
    def self.expect
      buf = Fiddle::Pointer.malloc(MSG_SIZE, Fiddle::RUBY_FREE)
      rc = yield buf, MSG_SIZE
      [rc.zero?, buf.to_s]
    end

    # The scripted LLM server on a free loopback port.
    class Server
      def self.open(script = nil)
        s = new(script)
        return s unless block_given?

        begin
          yield s
        ensure
          s.stop
        end
      end

      def initialize(script = nil)
        script = JSON.generate(script) if script.is_a?(Hash)
        out = Fiddle::Pointer.malloc(Fiddle::SIZEOF_VOIDP, Fiddle::RUBY_FREE)
        err = Fiddle::Pointer.malloc(MSG_SIZE, Fiddle::RUBY_FREE)
        rc = C.toolorch_testing_server_start(script, 0, out, err, MSG_SIZE)
        raise Toolorch.error(rc, "scripted LLM server: #{err}") unless rc.zero?

        @p = out.ptr
      end

      # The base URL for the llm options' base_url.
      def url = C.toolorch_testing_server_url(live, nil).to_s

      # What the server saw (requests, calls issued, results answered, ids that
      # matched nothing), parsed.
      def seen = JSON.parse(C.toolorch_testing_server_seen(live).to_s)

      # One counter by dotted name ("requests.total", "faults_injected.http_500").
      def stat(key) = C.toolorch_testing_server_stat(live, key)

      def stop
        C.toolorch_testing_server_stop(@p) if @p
        @p = nil
      end

      def pointer = live

      private

      def live
        @p or raise Toolorch.error(Native::TOOLORCH_ESTATE, "the scripted LLM server is stopped")
      end
    end

    # Keeps a job's events for the assertions; #free releases it.
    class Recorder
      def initialize
        @p = C.toolorch_testing_recorder_new
      end

      # Records one Toolorch::Event; feed every event of the run, in order.
      def record(ev)
        type = Toolorch::EVENT_TYPES.key(ev.type) || 0
        state = ev.state ? Toolorch::CALL_STATES.key(ev.state) || 0 : 0
        C.toolorch_testing_record_fields(pointer, type, ev.call_id.to_s, ev.tool.to_s, ev.json.to_s, ev.text.to_s, state,
                                         ev.code.to_i)
        ev
      end

      # Records every event of a job (or batch) until it ends.
      def record_all(run)
        run.each_event { |ev| record(ev) }
        self
      end

      def json = C.toolorch_testing_recorder_json(pointer).to_s
      def max_running = C.toolorch_testing_recorder_max_running(pointer)

      def pointer
        @p or raise Toolorch.error(Native::TOOLORCH_ESTATE, "the recorder is freed")
      end

      def free
        C.toolorch_testing_recorder_free(@p) if @p
        @p = nil
      end
    end

    # minitest assertions: include Toolorch::Testing::Assertions in a
    # Minitest::Test. Each states one expectation; a failure says what
    # happened instead.
    module Assertions
      # These calls were made, in any order: [{tool: "weather", arguments: {city: "Oslo"}}, ...]
      # (arguments compared as JSON values; absent: any). only: and no other.
      def assert_toolorch_calls(rec, calls, only: false)
        want = JSON.generate(calls.map { |c| c.transform_keys(&:to_s) })
        toolorch_assert { |b, n| C.toolorch_testing_expect_calls(rec.pointer, want, only ? 1 : 0, b, n) }
      end

      # The calls to tool (nil: every call; at least two) all started before any ended.
      def assert_toolorch_parallel(rec, tool = nil)
        toolorch_assert { |b, n| C.toolorch_testing_expect_parallel(rec.pointer, tool, b, n) }
      end

      # At most max calls ran at once.
      def assert_toolorch_max_running(rec, max)
        toolorch_assert { |b, n| C.toolorch_testing_expect_max_running(rec.pointer, max, b, n) }
      end

      # A call to (or with the id) tool_or_id (nil: any) ended cancelled.
      def assert_toolorch_cancelled(rec, tool_or_id = nil)
        toolorch_assert { |b, n| C.toolorch_testing_expect_cancelled(rec.pointer, tool_or_id, b, n) }
      end

      # The job ended successfully with exactly this answer.
      def assert_toolorch_answer(rec, answer)
        toolorch_assert { |b, n| C.toolorch_testing_expect_answer(rec.pointer, answer, b, n) }
      end

      # No call's result was delivered twice (to the caller; with a server, to the model).
      def assert_toolorch_no_duplicate_results(rec, server = nil)
        toolorch_assert do |b, n|
          C.toolorch_testing_expect_no_duplicate_results(rec.pointer, server&.pointer, b, n)
        end
      end

      # Every result the model got answers a call it issued, none twice, none missing.
      def assert_toolorch_results_matched(server)
        toolorch_assert { |b, n| C.toolorch_testing_expect_results_matched(server.pointer, b, n) }
      end

      private

      def toolorch_assert(&block)
        ok, msg = Testing.expect(&block)
        assert ok, msg
      end
    end
  end
end
