/*
 * Ruby: the extension toolorch/native.so defines Toolorch::Native; the
 * idiomatic API (Toolorch::Orchestrator, ...) is bindings/ruby/lib/toolorch.rb.
 */
%module "toolorch::native"

/* The library's strings are UTF-8 (SWIG's default makes binary strings). */
%typemap(out) const char * "$result = rb_utf8_str_new_cstr($1 ? $1 : \"\");"
/* An owned string (toolorch_metrics_text, %newobject: freed after): UTF-8
 * too, and nil for NULL (the failure). */
%typemap(out) char *toolorch_metrics_text "$result = $1 ? rb_utf8_str_new_cstr($1) : Qnil;"

%include "toolorch.i"

%{
#include <ruby/thread.h>

/* A wait on a job's or a batch's own queue (one of the two set). */
struct toolorch_ruby_wait {
  toolorch_job *job;
  toolorch_batch *batch;
  int timeout_ms;
  toolorch_event *ev;
  int status;
};

static void *toolorch_ruby_wait_fn(void *arg) {
  struct toolorch_ruby_wait *w = (struct toolorch_ruby_wait *)arg;
  w->status = w->job ? toolorch_job_next_event(w->job, w->timeout_ms, &w->ev)
                     : toolorch_batch_next_event(w->batch, w->timeout_ms, &w->ev);
  return NULL;
}

static toolorch_event *toolorch_ruby_wait(struct toolorch_ruby_wait *w) {
  if (w->timeout_ms == 0) toolorch_ruby_wait_fn(w);
  else rb_thread_call_without_gvl(toolorch_ruby_wait_fn, w, NULL, NULL);
  toolorch_bind_status_ = w->status;
  return w->ev;
}
%}

%inline %{
/*
 * toolorch_bind_job_next_event / _batch_next_event without the GVL, so that
 * the other Ruby threads (the tools, other runs' consumers) run while a
 * run's consumer waits. No unblock function: consumers wait in short slices
 * and loop, and Orchestrator#close wakes every wait at once through
 * toolorch_close (each run's final event, ECLOSED).
 */
static toolorch_event *toolorch_ruby_job_next_event(toolorch_job *job, int timeout_ms) {
  struct toolorch_ruby_wait w = {job, NULL, timeout_ms, NULL, 0};
  return toolorch_ruby_wait(&w);
}
static toolorch_event *toolorch_ruby_batch_next_event(toolorch_batch *batch, int timeout_ms) {
  struct toolorch_ruby_wait w = {NULL, batch, timeout_ms, NULL, 0};
  return toolorch_ruby_wait(&w);
}
%}
