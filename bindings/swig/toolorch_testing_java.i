/*
 * Java: the test kit (include/toolorch/testing.h) as its own JNI library,
 * package org.toolorch.testing (swig -package org.toolorch.testing), packed
 * in toolorch-testing.jar apart from toolorch.jar so that production code
 * never carries it. The generated classes (TestingNative, TestingNativeJNI)
 * are package-private; the public API is the hand-written layer in
 * bindings/java/testing/src (ScriptedServer, Recorder, ToolorchAssert).
 *
 * Handles travel as longs and strings as UTF-8 byte[], as in toolorch_java.i.
 * The functions that write into a caller's buffer (err, msg) are replaced by
 * toolorch_testing_bind_* helpers that return the text instead.
 */
%module(jniclassname="TestingNativeJNI") TestingNative

%pragma(java) moduleclassmodifiers="final class"
%pragma(java) jniclassclassmodifiers="final class"
%pragma(java) jniclasscode=%{
  static {
    KitLoader.load(); // -Dtoolorch.testing.jni, java.library.path, or the jar's own copy
  }
%}

%include "enumtypeunsafe.swg"
%javaconst(1);
%ignore TOOLORCH_TESTING_ONLY; /* the bind helper takes a boolean */

%include "java_typemaps.i"
TOOLORCH_JAVA_HANDLE(struct toolorch_testing_server)
TOOLORCH_JAVA_HANDLE(struct toolorch_testing_recorder)

%{
#include <toolorch/testing.h>
%}

%include <stdint.i>

/* -- Replaced by the helpers below (caller's buffers, C pointers). -------- */
%ignore toolorch_testing_server_start;
%ignore toolorch_testing_server_start_file;
%ignore toolorch_testing_server_set_script;
%ignore toolorch_testing_record;                 /* a C event: Java records an Event's fields */
%ignore toolorch_testing_recorder_event_fn;      /* a C callback */
%ignore toolorch_testing_expect_calls;
%ignore toolorch_testing_expect_parallel;
%ignore toolorch_testing_expect_max_running;
%ignore toolorch_testing_expect_cancelled;
%ignore toolorch_testing_expect_answer;
%ignore toolorch_testing_expect_no_duplicate_results;
%ignore toolorch_testing_expect_results_matched;

/* status.h comes with the main binding; only testing.h's own functions here. */
#define TOOLORCH_API
%include <toolorch/testing.h>

%{
/* The detail of this thread's last failing helper (a bad script, an
 * expectation that did not hold): returned by the helpers below, so one JNI
 * call gives the outcome and its text. */
static _Thread_local char toolorch_testing_bind_text_[8192];
static _Thread_local int toolorch_testing_bind_status_;

/* An expectation helper's body: NULL when it holds, else why not. */
#define TOOLORCH_TESTING_BIND_EXPECT_(call) \
  return (call) == 0 ? NULL : toolorch_testing_bind_text_
%}

%inline %{
/* The server playing script (or, with path non-NULL, the script in that
 * file), or NULL with toolorch_testing_bind_status/_error saying why. */
static toolorch_testing_server *toolorch_testing_bind_server_start(const char *script, const char *path, int port) {
  toolorch_testing_server *s = NULL;
  toolorch_testing_bind_text_[0] = 0;
  toolorch_testing_bind_status_ =
      path ? toolorch_testing_server_start_file(path, port, &s, toolorch_testing_bind_text_,
                                                sizeof toolorch_testing_bind_text_)
           : toolorch_testing_server_start(script, port, &s, toolorch_testing_bind_text_,
                                           sizeof toolorch_testing_bind_text_);
  return s;
}

static int toolorch_testing_bind_set_script(toolorch_testing_server *server, const char *script) {
  toolorch_testing_bind_text_[0] = 0;
  toolorch_testing_bind_status_ = toolorch_testing_server_set_script(server, script, toolorch_testing_bind_text_,
                                                                     sizeof toolorch_testing_bind_text_);
  return toolorch_testing_bind_status_;
}

static int toolorch_testing_bind_status(void) { return toolorch_testing_bind_status_; }
static const char *toolorch_testing_bind_error(void) { return toolorch_testing_bind_text_; }

/* Each expectation: NULL when it holds, else why not. */
static const char *toolorch_testing_bind_expect_calls(toolorch_testing_recorder *rec, const char *calls_json, int only) {
  TOOLORCH_TESTING_BIND_EXPECT_(toolorch_testing_expect_calls(rec, calls_json, only ? TOOLORCH_TESTING_ONLY : 0,
                                                             toolorch_testing_bind_text_,
                                                             sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_parallel(toolorch_testing_recorder *rec, const char *tool) {
  TOOLORCH_TESTING_BIND_EXPECT_(
      toolorch_testing_expect_parallel(rec, tool, toolorch_testing_bind_text_, sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_max_running(toolorch_testing_recorder *rec, int n) {
  TOOLORCH_TESTING_BIND_EXPECT_(
      toolorch_testing_expect_max_running(rec, n, toolorch_testing_bind_text_, sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_cancelled(toolorch_testing_recorder *rec, const char *tool_or_id) {
  TOOLORCH_TESTING_BIND_EXPECT_(toolorch_testing_expect_cancelled(rec, tool_or_id, toolorch_testing_bind_text_,
                                                                 sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_answer(toolorch_testing_recorder *rec, const char *answer) {
  TOOLORCH_TESTING_BIND_EXPECT_(
      toolorch_testing_expect_answer(rec, answer, toolorch_testing_bind_text_, sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_no_duplicate_results(toolorch_testing_recorder *rec,
                                                              toolorch_testing_server *server) {
  TOOLORCH_TESTING_BIND_EXPECT_(toolorch_testing_expect_no_duplicate_results(
      rec, server, toolorch_testing_bind_text_, sizeof toolorch_testing_bind_text_));
}
static const char *toolorch_testing_bind_expect_results_matched(toolorch_testing_server *server) {
  TOOLORCH_TESTING_BIND_EXPECT_(
      toolorch_testing_expect_results_matched(server, toolorch_testing_bind_text_, sizeof toolorch_testing_bind_text_));
}
%}
