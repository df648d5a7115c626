/*
 * Event-queue mode: toolorch runs its loop on its own thread; your program
 * waits on one file descriptor with poll() (as glib, Qt or any loop would),
 * takes events from the queue, runs the tool calls itself and hands back the
 * results. This is the mode the Go, Java and Ruby bindings use.
 *
 *   build/examples/example_event_queue
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <toolorch/toolorch.h>

int main(void) {
  int status;
  toolorch_opts *opts = toolorch_opts_new();
  toolorch_opts_set_int(opts, "max_parallel_tools", 16);
  toolorch_ctx *ctx = toolorch_new(opts, &status);
  toolorch_opts_free(opts);
  if (!ctx) {
    fprintf(stderr, "toolorch_new: %s\n", toolorch_strerror(status));
    return 1;
  }
  /* No function: each call to "upper" arrives here as a TOOL_CALL event. */
  toolorch_tool *tool = toolorch_tool_new("upper");
  toolorch_tool_set_schema(tool, "{\"type\":\"object\",\"required\":[\"text\"]}");
  toolorch_register_tool(ctx, tool);
  toolorch_tool_free(tool);

  toolorch_batch *batch = toolorch_batch_new(ctx, NULL);
  const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
  char args[64];
  for (int i = 0; i < 5; ++i) {
    snprintf(args, sizeof args, "{\"text\":\"%s\"}", words[i]);
    toolorch_batch_add(batch, "upper", args, NULL);
  }
  toolorch_batch_add(batch, "lower", "{}", "unknown-tool"); /* fails: no such tool */
  toolorch_batch_submit(batch);

  int done = 0;
  while (!done) {
    struct pollfd p = {toolorch_event_fd(ctx), POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) {
      fprintf(stderr, "no event for 5 s\n");
      break;
    }
    toolorch_event *ev;
    while (toolorch_next_event(ctx, 0, &ev) == TOOLORCH_OK) {
      switch (toolorch_event_type_of(ev)) {
        case TOOLORCH_EVENT_TOOL_CALL: {
          /* Run the tool here (or hand it to a worker): upper-case "text". */
          const char *a = strstr(toolorch_event_json(ev), "\"text\":\"");
          char out[128] = "\"";
          size_t n = 1;
          for (a = a ? a + 8 : ""; *a && *a != '"' && n < sizeof out - 2; ++a)
            out[n++] = (char)(*a >= 'a' && *a <= 'z' ? *a - 32 : *a);
          out[n++] = '"';
          out[n] = 0;
          toolorch_call_complete(toolorch_event_call(ev), out);
          break;
        }
        case TOOLORCH_EVENT_CALL_RESULT:
          printf("%-14s %-9s %s\n", toolorch_event_call_id(ev),
                 toolorch_call_state_name(toolorch_event_call_state(ev)), toolorch_event_text(ev));
          break;
        case TOOLORCH_EVENT_BATCH_DONE:
          done = 1;
          break;
      }
      toolorch_event_free(ev);
    }
  }
  toolorch_batch_free(batch);
  toolorch_free(ctx);
  return done ? 0 : 1;
}
