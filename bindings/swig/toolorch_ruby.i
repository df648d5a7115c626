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

struct toolorch_ruby_wait {
  toolorch_ctx *ctx;
  int timeout_ms;
  toolorch_event *ev;
  int status;
};

static void *toolorch_ruby_wait_fn(void *arg) {
  struct toolorch_ruby_wait *w = (struct toolorch_ruby_wait *)arg;
  w->status = toolorch_next_event(w->ctx, w->timeout_ms, &w->ev);
  return NULL;
}
%}

%inline %{
/*
 * toolorch_bind_next_event without the GVL, so that the other Ruby threads
 * (the tools) run while the dispatcher waits. No unblock function: callers
 * wait in short slices and loop, and Orchestrator#close wakes the wait at
 * once (ECLOSED) through toolorch_close.
 */
static toolorch_event *toolorch_ruby_next_event(toolorch_ctx *ctx, int timeout_ms) {
  struct toolorch_ruby_wait w = {ctx, timeout_ms, NULL, 0};
  if (timeout_ms == 0) toolorch_ruby_wait_fn(&w);
  else rb_thread_call_without_gvl(toolorch_ruby_wait_fn, &w, NULL, NULL);
  toolorch_bind_status_ = w.status;
  return w.ev;
}
%}
