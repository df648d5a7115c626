// Jobs and batches with their own event queue (toolorch_job_start_queued,
// toolorch_batch_new_queued): every event of one goes to its queue and no
// other, its external tools' calls included; the close handshake ends each
// queue with exactly one final event (its own, or ECLOSED when the context's
// close cut the run off) and wakes every consumer blocked on it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cmocka_cpp.h"
#include <toolorch/testing.h>
#include <toolorch/toolorch.h>

#include "capi_fixture.h"

namespace {

// One round asking for two calls of the external tool "ext", then the answer
// quoting their results.
const char *kScript =
    "{\"rounds\": [{\"tool_calls\": [{\"name\": \"ext\", \"arguments\": {\"q\": \"a\"}},"
    "                               {\"name\": \"ext\", \"arguments\": {\"q\": \"b\"}}]},"
    "              {\"text\": \"answer: {tool_results}\"}]}";

// The model takes a minute to answer: a job that is still waiting for it.
const char *kSlowScript = "{\"rounds\": [{\"text\": \"late\"}], \"ttfb_ms\": 60000}";

std::atomic<int> g_callback_events{0};

void count_event(const toolorch_event *, void *) { g_callback_events++; }

toolorch_ctx *llm_ctx(toolorch_testing_server *server) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"llm\": {\"protocol\": \"openai\", \"base_url\": \"%s\", \"api_key\": \"sk-test\","
           " \"model\": \"gpt-4o-mini\"}}",
           toolorch_testing_server_url(server, "openai"));
  toolorch_opts *o = toolorch_opts_new();
  assert_int_equal(toolorch_opts_from_json(o, json), TOOLORCH_OK);
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  fixture_external_tool(ctx, "ext");
  return ctx;
}

toolorch_testing_server *start_server(const char *script) {
  toolorch_testing_server *server = NULL;
  assert_int_equal(toolorch_testing_server_start(script, 0, &server, NULL, 0), TOOLORCH_OK);
  return server;
}

// What one consumer saw of its job or batch.
struct Seen {
  int events = 0, tool_calls = 0, results = 0, finals = 0;
  int final_status = 1;
  std::string final_text;
  bool foreign = false;  // an event of another job or batch, or another userdata
  int after_final = 0;   // the status of the call after the final event
  bool complete_failed = false;  // (cmocka's asserts are for the test's own thread)
};

// Consume one job's (job != NULL) or batch's own queue to its end, completing
// each TOOL_CALL with `reply` (NULL: leave the calls running).
Seen consume(toolorch_job *job, toolorch_batch *batch, void *userdata, const char *reply) {
  Seen s;
  for (;;) {
    toolorch_event *ev = NULL;
    int rc = job ? toolorch_job_next_event(job, -1, &ev) : toolorch_batch_next_event(batch, -1, &ev);
    if (rc != TOOLORCH_OK) {
      if (s.finals) s.after_final = rc;
      else s.final_status = rc;  // ended without a final event: the test fails on finals
      break;
    }
    s.events++;
    if (toolorch_event_userdata(ev) != userdata || toolorch_event_job(ev) != job ||
        toolorch_event_batch(ev) != batch)
      s.foreign = true;
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_TOOL_CALL) {
      s.tool_calls++;
      if (reply && toolorch_call_complete(toolorch_event_call(ev), reply) != TOOLORCH_OK) s.complete_failed = true;
    } else if (type == TOOLORCH_EVENT_CALL_RESULT) {
      s.results++;
    } else if (type == TOOLORCH_EVENT_JOB_DONE || type == TOOLORCH_EVENT_BATCH_DONE) {
      if (type != (job ? TOOLORCH_EVENT_JOB_DONE : TOOLORCH_EVENT_BATCH_DONE)) s.foreign = true;
      s.finals++;
      s.final_status = toolorch_event_status(ev);
      s.final_text = toolorch_event_text(ev);
    }
    toolorch_event_free(ev);
  }
  return s;
}

// Two jobs and a batch at once, each consumed on its own thread: each sees
// its own events only (its tool calls included), one final event, then
// ECLOSED; nothing reaches the context's callback.
void routes_each_run_to_its_own_queue(void **) {
  toolorch_testing_server *server = start_server(kScript);
  toolorch_ctx *ctx = llm_ctx(server);
  g_callback_events = 0;
  assert_int_equal(toolorch_set_event_fn(ctx, count_event, NULL), TOOLORCH_OK);

  int ud_a = 1, ud_b = 2, ud_batch = 3;
  int st = -1;
  toolorch_job *a = toolorch_job_start_queued(ctx, "{\"prompt\": \"a\", \"stream\": true}", &ud_a, &st);
  assert_non_null(a);
  assert_int_equal(st, TOOLORCH_OK);
  toolorch_job *b = toolorch_job_start_queued(ctx, "{\"prompt\": \"b\", \"stream\": false}", &ud_b, &st);
  assert_non_null(b);
  toolorch_batch *batch = toolorch_batch_new_queued(ctx, &ud_batch);
  assert_non_null(batch);
  for (int i = 0; i < 5; ++i) assert_int_equal(toolorch_batch_add(batch, "ext", "{}", NULL), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(batch), TOOLORCH_OK);

  Seen sa, sb, sbatch;
  std::thread ta([&] { sa = consume(a, NULL, &ud_a, "ra"); });
  std::thread tb([&] { sb = consume(b, NULL, &ud_b, "rb"); });
  std::thread tc([&] { sbatch = consume(NULL, batch, &ud_batch, "rc"); });
  ta.join();
  tb.join();
  tc.join();

  for (Seen *s : {&sa, &sb}) {
    assert_false(s->foreign);
    assert_false(s->complete_failed);
    assert_int_equal(s->tool_calls, 2);
    assert_int_equal(s->results, 2);
    assert_int_equal(s->finals, 1);
    assert_int_equal(s->final_status, TOOLORCH_OK);
    assert_int_equal(s->after_final, TOOLORCH_ECLOSED);
  }
  assert_string_equal(sa.final_text.c_str(), "answer: ra,ra");
  assert_string_equal(sb.final_text.c_str(), "answer: rb,rb");
  assert_false(sbatch.foreign);
  assert_false(sbatch.complete_failed);
  assert_int_equal(sbatch.tool_calls, 5);
  assert_int_equal(sbatch.results, 5);
  assert_int_equal(sbatch.finals, 1);
  assert_int_equal(sbatch.final_status, TOOLORCH_OK);
  assert_int_equal(sbatch.after_final, TOOLORCH_ECLOSED);
  assert_int_equal(g_callback_events.load(), 0);

  // Ended: every later call says so at once, and never a second final.
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_job_next_event(a, -1, &ev), TOOLORCH_ECLOSED);
  assert_null(ev);
  assert_int_equal(toolorch_batch_next_event(batch, 1000, &ev), TOOLORCH_ECLOSED);
  toolorch_job_free(a);
  toolorch_job_free(b);
  toolorch_batch_free(batch);
  toolorch_free(ctx);
  toolorch_testing_server_stop(server);
}

// Waiting: EAGAIN when nothing came in time, the events as they come, the
// context's queue untouched; EMODE for a batch that has no queue of its own.
void timeouts_and_the_wrong_handle(void **) {
  toolorch_ctx *ctx = fixture_ctx(0, 0);
  fixture_external_tool(ctx, "ext");
  int ud = 7;
  toolorch_batch *b = toolorch_batch_new_queued(ctx, &ud);
  assert_non_null(b);
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_batch_next_event(b, 0, &ev), TOOLORCH_EAGAIN);
  assert_int_equal(toolorch_batch_next_event(b, 20, &ev), TOOLORCH_EAGAIN);
  assert_null(ev);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "c1"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_next_event(b, 30000, &ev), TOOLORCH_OK);
  assert_int_equal(toolorch_event_type_of(ev), TOOLORCH_EVENT_TOOL_CALL);
  assert_ptr_equal(toolorch_event_userdata(ev), &ud);
  toolorch_call *call = toolorch_event_call(ev);
  toolorch_event_free(ev);  // the call handle stays valid until it is completed
  assert_int_equal(toolorch_batch_next_event(b, 20, &ev), TOOLORCH_EAGAIN);
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_EAGAIN);
  assert_int_equal(toolorch_call_complete(call, "done"), TOOLORCH_OK);
  ev = fixture_next_of_batch(b, TOOLORCH_EVENT_CALL_RESULT);
  assert_string_equal(toolorch_event_text(ev), "done");
  toolorch_event_free(ev);
  ev = fixture_next_of_batch(b, TOOLORCH_EVENT_BATCH_DONE);
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_OK);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_batch_next_event(b, 0, &ev), TOOLORCH_ECLOSED);
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_EAGAIN);

  toolorch_batch *plain = toolorch_batch_new(ctx, NULL);
  assert_int_equal(toolorch_batch_next_event(plain, 0, &ev), TOOLORCH_EMODE);
  assert_int_equal(toolorch_batch_next_event(NULL, 0, &ev), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_batch_next_event(b, 0, NULL), TOOLORCH_EINVAL);
  assert_int_equal(toolorch_job_next_event(NULL, 0, &ev), TOOLORCH_EINVAL);
  toolorch_batch_free(plain);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

// toolorch_close while consumers wait, two on each queue, from another
// thread: each run gets exactly one final event -- ECLOSED for the ones cut
// off, the job's own for the job cancelled before -- and every consumer
// wakes. Events left queued and handles never freed go with toolorch_free.
void close_wakes_blocked_consumers_with_one_final(void **) {
  toolorch_testing_server *server = start_server(kSlowScript);
  toolorch_ctx *ctx = llm_ctx(server);
  int st = -1;
  toolorch_job *slow = toolorch_job_start_queued(ctx, "{\"prompt\": \"x\"}", NULL, &st);
  assert_non_null(slow);
  toolorch_job *cancelled = toolorch_job_start_queued(ctx, "{\"prompt\": \"y\"}", NULL, &st);
  assert_non_null(cancelled);
  toolorch_batch *running = toolorch_batch_new_queued(ctx, NULL);  // its calls never answered
  for (int i = 0; i < 3; ++i) assert_int_equal(toolorch_batch_add(running, "ext", "{}", NULL), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(running), TOOLORCH_OK);
  toolorch_batch *never = toolorch_batch_new_queued(ctx, NULL);  // never submitted
  assert_int_equal(toolorch_batch_add(never, "ext", "{}", NULL), TOOLORCH_OK);

  Seen seen[8];
  std::vector<std::thread> consumers;
  for (int i = 0; i < 2; ++i) {
    consumers.emplace_back([&, i] { seen[i] = consume(slow, NULL, NULL, NULL); });
    consumers.emplace_back([&, i] { seen[2 + i] = consume(cancelled, NULL, NULL, NULL); });
    consumers.emplace_back([&, i] { seen[4 + i] = consume(NULL, running, NULL, NULL); });
    consumers.emplace_back([&, i] { seen[6 + i] = consume(NULL, never, NULL, NULL); });
  }
  // Cancelling wakes the job's consumers with its own end.
  assert_int_equal(toolorch_job_cancel(cancelled), TOOLORCH_OK);
  // The batch's calls are out: it is running when the close comes.
  while (toolorch_stat(ctx, "running") < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  int close_rc = -1;
  std::thread closer([ctx, &close_rc] { close_rc = toolorch_close(ctx); });
  closer.join();
  assert_int_equal(close_rc, TOOLORCH_OK);
  for (std::thread &t : consumers) t.join();

  for (int run = 0; run < 4; ++run) {
    const Seen &x = seen[2 * run], &y = seen[2 * run + 1];
    assert_int_equal(x.finals + y.finals, 1);  // one final per run, to one of its consumers
    const Seen &f = x.finals ? x : y;
    assert_int_equal(f.final_status, run == 1 ? TOOLORCH_ECANCELLED : TOOLORCH_ECLOSED);
    assert_int_equal(f.after_final, TOOLORCH_ECLOSED);
    const Seen &other = x.finals ? y : x;
    assert_int_equal(other.final_status, TOOLORCH_ECLOSED);  // woken, with nothing left
  }
  assert_true(strstr(seen[0].final_text.c_str(), "closed") || strstr(seen[1].final_text.c_str(), "closed"));

  // After the close: still ended, still no second final.
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_job_next_event(slow, 0, &ev), TOOLORCH_ECLOSED);
  assert_int_equal(toolorch_batch_next_event(never, -1, &ev), TOOLORCH_ECLOSED);
  assert_null(toolorch_job_start_queued(ctx, "{\"prompt\": \"z\"}", NULL, &st));
  assert_int_equal(st, TOOLORCH_ECLOSED);
  assert_null(toolorch_batch_new_queued(ctx, NULL));
  toolorch_free(ctx);  // frees the four handles
  toolorch_testing_server_stop(server);
}

// A run that ended before the close keeps its end and every event before
// it: the close adds nothing and drops nothing.
void an_end_already_queued_survives_the_close(void **) {
  toolorch_ctx *ctx = fixture_ctx(0, 0);
  fixture_external_tool(ctx, "ext");
  toolorch_batch *b = toolorch_batch_new_queued(ctx, NULL);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "c1"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  toolorch_event *ev = fixture_next_of_batch(b, TOOLORCH_EVENT_TOOL_CALL);
  assert_int_equal(toolorch_call_complete(toolorch_event_call(ev), "r"), TOOLORCH_OK);
  toolorch_event_free(ev);
  // A cancel waits for the loop, which ran the completion before it: the
  // batch has ended (and queued its end) when it returns.
  assert_int_equal(toolorch_batch_cancel(b), TOOLORCH_OK);
  assert_int_equal(toolorch_close(ctx), TOOLORCH_OK);
  ev = fixture_next_of_batch(b, TOOLORCH_EVENT_CALL_RESULT);
  assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_SUCCEEDED);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_batch_next_event(b, 0, &ev), TOOLORCH_OK);
  assert_int_equal(toolorch_event_type_of(ev), TOOLORCH_EVENT_BATCH_DONE);
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_OK);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_batch_next_event(b, 0, &ev), TOOLORCH_ECLOSED);
  toolorch_free(ctx);
}

// A batch made from another thread in owned mode is handed to the loop
// without waiting for it: one made just before the close, whose hand-over
// the loop runs after the close began, still gets exactly one end (ECLOSED),
// and a plain one made so is freed with the context.
void a_batch_made_just_before_the_close_gets_its_end(void **) {
  toolorch_ctx *ctx = fixture_ctx(0, 0);
  fixture_external_tool(ctx, "ext");
  toolorch_batch *b = toolorch_batch_new_queued(ctx, NULL);
  toolorch_batch *plain = toolorch_batch_new(ctx, NULL);
  assert_non_null(b);
  assert_non_null(plain);
  assert_int_equal(toolorch_batch_add(b, "ext", "{}", "c1"), TOOLORCH_OK);
  assert_int_equal(toolorch_close(ctx), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_ECLOSED);
  toolorch_event *ev = NULL;
  assert_int_equal(toolorch_batch_next_event(b, 30000, &ev), TOOLORCH_OK);
  assert_int_equal(toolorch_event_type_of(ev), TOOLORCH_EVENT_BATCH_DONE);
  assert_int_equal(toolorch_event_status(ev), TOOLORCH_ECLOSED);
  toolorch_event_free(ev);
  assert_int_equal(toolorch_batch_next_event(b, 0, &ev), TOOLORCH_ECLOSED);
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_ECLOSED);
  toolorch_free(ctx);  // frees both handles
}

// What the run's end causes in the same loop pass comes before its final
// event: here the TOOL_CANCELLED of a score request, which the group sends
// once its last branch ended (after the batch's own end), so that the
// consumer, which stops at the end, still stops the scorer.
void what_the_end_causes_comes_before_it(void **) {
  toolorch_ctx *ctx = fixture_ctx(0, 0);
  fixture_external_tool(ctx, "ext");
  toolorch_batch *b = toolorch_batch_new_queued(ctx, NULL);
  toolorch_group_policy *p = toolorch_group_policy_new();
  assert_int_equal(toolorch_group_policy_set_cancel_on_score(p, 0.5), TOOLORCH_OK);
  assert_int_equal(toolorch_group_policy_set_scorer_external(p), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add_group(b, "g", p), TOOLORCH_OK);
  toolorch_group_policy_free(p);
  assert_int_equal(toolorch_batch_add_in_group(b, "g", "ext", "{}", "first"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_add_in_group(b, "g", "ext", "{}", "second"), TOOLORCH_OK);
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  toolorch_call *calls[2];
  for (int i = 0; i < 2; ++i) {
    toolorch_event *ev = fixture_next_of_batch(b, TOOLORCH_EVENT_TOOL_CALL);
    calls[strcmp(toolorch_event_call_id(ev), "first") == 0 ? 0 : 1] = toolorch_event_call(ev);
    toolorch_event_free(ev);
  }
  assert_int_equal(toolorch_call_complete(calls[0], "a"), TOOLORCH_OK);
  toolorch_event *score = fixture_next_of_batch(b, TOOLORCH_EVENT_SCORE);  // left unanswered
  toolorch_call *request = toolorch_event_call(score);
  toolorch_event_free(score);
  assert_int_equal(toolorch_call_complete(calls[1], "b"), TOOLORCH_OK);
  int cancelled = 0, finals = 0;
  for (;;) {
    toolorch_event *ev = NULL;
    int rc = toolorch_batch_next_event(b, 30000, &ev);
    if (rc == TOOLORCH_ECLOSED) break;
    assert_int_equal(rc, TOOLORCH_OK);
    int type = toolorch_event_type_of(ev);
    if (type == TOOLORCH_EVENT_TOOL_CANCELLED) {
      assert_int_equal(finals, 0);
      assert_ptr_equal(toolorch_event_call(ev), request);
      cancelled++;
    }
    if (type == TOOLORCH_EVENT_BATCH_DONE) finals++;
    toolorch_event_free(ev);
  }
  assert_int_equal(cancelled, 1);
  assert_int_equal(finals, 1);
  toolorch_batch_free(b);
  toolorch_free(ctx);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(routes_each_run_to_its_own_queue),
      cmocka_unit_test(timeouts_and_the_wrong_handle),
      cmocka_unit_test(close_wakes_blocked_consumers_with_one_final),
      cmocka_unit_test(an_end_already_queued_survives_the_close),
      cmocka_unit_test(a_batch_made_just_before_the_close_gets_its_end),
      cmocka_unit_test(what_the_end_causes_comes_before_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
