/* Scores from the host (toolorch_group_policy_set_scorer_external,
 * toolorch_set_scorer_external): a branch's success is handed out as a SCORE
 * event whose request the consumer answers from its own thread, and the
 * group decides when the score arrives. Owned-loop mode, external tools
 * completed by the test's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <toolorch/toolorch.h>

#include "capi_fixture.h"

static toolorch_ctx *new_ctx(void) {
  toolorch_ctx *ctx = fixture_ctx(0, 60000);
  fixture_external_tool(ctx, "ext");
  return ctx;
}

/* No event for a moment but maybe of `allowed` (0: none at all). */
static void quiet_but(toolorch_ctx *ctx, int allowed) {
  toolorch_event *ev = NULL;
  while (toolorch_next_event(ctx, 100, &ev) == TOOLORCH_OK) {
    assert_int_equal(toolorch_event_type_of(ev), allowed);
    toolorch_event_free(ev);
  }
}

/* A batch of n calls "c0".."c<n-1>" in group "q" under `policy`; their calls
 * handed out, by index. */
static toolorch_batch *start_group(toolorch_ctx *ctx, toolorch_group_policy *policy, int n, toolorch_call **calls) {
  toolorch_batch *b = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_add_group(b, "q", policy), TOOLORCH_OK);
  char id[16], args[32];
  for (int i = 0; i < n; ++i) {
    snprintf(id, sizeof id, "c%d", i);
    snprintf(args, sizeof args, "{\"i\":%d}", i);
    assert_int_equal(toolorch_batch_add_in_group(b, "q", "ext", args, id), TOOLORCH_OK);
  }
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  for (int i = 0; i < n; ++i) {
    toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CALL);
    calls[toolorch_event_call_id(ev)[1] - '0'] = toolorch_event_call(ev);
    toolorch_event_free(ev);
  }
  return b;
}

/* The SCORE event carries the scored call; a poor score decides nothing, a
 * good one cancels the branches still running. */
static void the_hosts_score_decides_the_group(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_group_policy *p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_set_cancel_on_score(p, 0.8), TOOLORCH_OK);
  assert_int_equal(toolorch_group_policy_set_scorer_external(p), TOOLORCH_OK);
  toolorch_call *calls[3];
  toolorch_batch *b = start_group(ctx, p, 3, calls);
  toolorch_group_policy_free(p);

  assert_int_equal(toolorch_call_complete(calls[0], "poor"), TOOLORCH_OK);
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_CALL_RESULT);
  assert_string_equal(toolorch_event_call_id(ev), "c0");
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  assert_string_equal(toolorch_event_type_name(TOOLORCH_EVENT_SCORE), "score");
  assert_string_equal(toolorch_event_call_id(ev), "c0");
  assert_string_equal(toolorch_event_parent_call_id(ev), "c0");
  assert_string_equal(toolorch_event_tool_name(ev), "ext");
  assert_string_equal(toolorch_event_json(ev), "{\"i\":0}");
  assert_string_equal(toolorch_event_text(ev), "poor");
  assert_string_equal(toolorch_event_group(ev), "q");
  assert_ptr_equal(toolorch_event_batch(ev), b);
  toolorch_call *req = toolorch_event_call(ev);
  assert_non_null(req);
  assert_ptr_not_equal(req, calls[0]);
  toolorch_event_free(ev);
  /* Answered once: the request may be freed as soon as the group takes
   * the answer (a second answer would read freed memory; TSan saw it). */
  assert_int_equal(toolorch_call_complete(req, "0.1"), TOOLORCH_OK);
  quiet_but(ctx, 0); /* below the threshold: nothing is cancelled */

  assert_int_equal(toolorch_call_complete(calls[1], "great"), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  assert_string_equal(toolorch_event_call_id(ev), "c1");
  assert_string_equal(toolorch_event_text(ev), "great");
  req = toolorch_event_call(ev);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(req, " 0.9\n"), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), calls[2]);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_CALL_RESULT);
  assert_string_equal(toolorch_event_call_id(ev), "c2");
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
  assert_non_null(strstr(toolorch_event_text(ev), "answered well enough (score 0.9"));
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(calls[2], "late"), TOOLORCH_ELATE);
  /* Score requests are not calls: not counted. */
  assert_int_equal(toolorch_stat(ctx, "calls_succeeded"), 2);
  assert_int_equal(toolorch_stat(ctx, "calls_cancelled"), 1);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

/* A request whose score can no longer matter ends with TOOL_CANCELLED, and
 * the host is not asked about a success with nothing left to cancel. */
static void a_score_no_longer_needed_is_cancelled(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  toolorch_group_policy *p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_from_json(p, "{\"cancel_on_better_result\": {\"threshold\": 0.5}, "
                                                      "\"scorer\": \"external\"}"),
                   TOOLORCH_OK);
  toolorch_call *calls[2];
  toolorch_batch *b = start_group(ctx, p, 2, calls);
  toolorch_group_policy_free(p);
  assert_int_equal(toolorch_call_complete(calls[0], "a"), TOOLORCH_OK);
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  toolorch_call *req = toolorch_event_call(ev);
  toolorch_event_free(ev);
  /* The last branch ends before the score came: nothing is left to decide.
   * (The request's TOOL_CANCELLED follows the batch's BATCH_DONE: the group
   * hears of its last member's end after the batch.) */
  assert_int_equal(toolorch_call_fail(calls[1], "no"), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), req);
  assert_string_equal(toolorch_event_call_id(ev), "c0");
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_CANCELLED);
  assert_non_null(strstr(toolorch_event_text(ev), "needs no more scores"));
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(req, "1"), TOOLORCH_ELATE);
  toolorch_batch_free(b);

  /* Without cancel_on_better_result a score decides nothing: never asked. */
  p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_set_keep_top_n(p, 2), TOOLORCH_OK);
  assert_int_equal(toolorch_group_policy_set_scorer_external(p), TOOLORCH_OK);
  b = start_group(ctx, p, 2, calls);
  toolorch_group_policy_free(p);
  assert_int_equal(toolorch_call_complete(calls[0], "a"), TOOLORCH_OK);
  assert_int_equal(toolorch_call_complete(calls[1], "b"), TOOLORCH_OK);
  for (;;) {
    assert_int_equal(toolorch_next_event(ctx, 30000, &ev), TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    toolorch_event_free(ev);
    assert_int_not_equal(type, TOOLORCH_EVENT_SCORE);
    if (type == TOOLORCH_EVENT_BATCH_DONE) break;
  }
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

/* The context's scorer: groups without their own ask the host. A failed
 * answer, or one that is not a number, gives no score; toolorch_set_scorer
 * puts a function back. Freeing the batch ends a request still out. */
static void the_contexts_external_scorer(void **state) {
  (void)state;
  toolorch_ctx *ctx = new_ctx();
  assert_int_equal(toolorch_set_scorer_external(ctx), TOOLORCH_OK);
  toolorch_group_policy *p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_set_cancel_on_score(p, 0.5), TOOLORCH_OK);
  toolorch_call *calls[4];
  toolorch_batch *b = start_group(ctx, p, 4, calls);
  assert_int_equal(toolorch_call_complete(calls[0], "a"), TOOLORCH_OK);
  toolorch_event *ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  assert_int_equal(toolorch_call_fail(toolorch_event_call(ev), "cannot score"), TOOLORCH_OK);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(calls[1], "b"), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  assert_int_equal(toolorch_call_complete(toolorch_event_call(ev), "very good"), TOOLORCH_OK);
  toolorch_event_free(ev);
  quiet_but(ctx, TOOLORCH_EVENT_CALL_RESULT); /* neither gave a score: nothing cancelled */
  assert_int_equal(toolorch_call_complete(calls[2], "c"), TOOLORCH_OK);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_SCORE);
  toolorch_call *req = toolorch_event_call(ev);
  toolorch_event_free(ev);
  toolorch_batch_free(b); /* c3 is cancelled: every branch ended */
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  toolorch_call *first = toolorch_event_call(ev);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  toolorch_call *second = toolorch_event_call(ev);
  toolorch_event_free(ev);
  assert_true((first == req && second == calls[3]) || (first == calls[3] && second == req));
  assert_int_equal(toolorch_call_complete(req, "1"), TOOLORCH_ELATE);
  assert_int_equal(toolorch_call_complete(calls[3], "late"), TOOLORCH_ELATE);

  /* A function again: no SCORE event, the function decides at once. */
  assert_int_equal(toolorch_set_scorer(ctx, NULL, NULL), TOOLORCH_OK);
  b = start_group(ctx, p, 2, calls);
  assert_int_equal(toolorch_call_complete(calls[0], "a"), TOOLORCH_OK); /* 1.0 >= 0.5 */
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_TOOL_CANCELLED);
  assert_ptr_equal(toolorch_event_call(ev), calls[1]);
  toolorch_event_free(ev);
  ev = fixture_next_of(ctx, TOOLORCH_EVENT_BATCH_DONE);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_call_complete(calls[1], "late"), TOOLORCH_ELATE);
  toolorch_batch_free(b);
  toolorch_group_policy_free(p);

  /* Bad input. */
  assert_int_equal(toolorch_set_scorer_external(NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_group_policy_set_scorer_external(NULL), TOOLORCH_EINVAL);
  p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_from_json(p, "{\"scorer\": \"mine\"}"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(toolorch_last_error(NULL), "\"scorer\" must be \"external\""));
  toolorch_group_policy_free(p);
  toolorch_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_hosts_score_decides_the_group),
      cmocka_unit_test(a_score_no_longer_needed_is_cancelled),
      cmocka_unit_test(the_contexts_external_scorer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
