/* Testing an agent built on toolorch, in C with cmocka (docs/TESTING.md).
 *
 * The agent under test answers weather questions: the model asks for the
 * tool "weather" once per city, the agent looks each city up (a blocking
 * call to some weather service, run on toolorch's worker pool), and the
 * model writes the forecast. The tests replace the model with the scripted
 * LLM server and the weather service with a fake, then state what must have
 * happened in one line each.
 *
 * Build: cc test_weather_agent.c $(pkg-config --cflags --libs toolorch-testing cmocka)
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <toolorch/toolorch.h>
#include <toolorch/testing.h>

/* ---- the agent under test (in a real project: its own files) ------------- */

/* The weather service the agent calls: writes the forecast for city. */
typedef void (*weather_lookup_fn)(const char *city, char *out, size_t out_size, void *userdata);

struct weather_agent {
  weather_lookup_fn lookup;
  void *lookup_ud;
};

static void weather_tool(toolorch_call *call, const char *args_json, void *userdata) {
  struct weather_agent *agent = userdata;
  /* A real agent parses args_json; the schema guarantees {"city": "..."}. */
  const char *p = strstr(args_json, "\"city\"");
  char city[64] = "";
  if (p && (p = strchr(p + 6, '"')) != NULL) {
    size_t n = strcspn(p + 1, "\"");
    if (n >= sizeof city) n = sizeof city - 1;
    memcpy(city, p + 1, n);
    city[n] = '\0';
  }
  char forecast[128];
  agent->lookup(city, forecast, sizeof forecast, agent->lookup_ud);
  toolorch_call_complete(call, forecast); /* ELATE if the call was cancelled meanwhile */
}

/* The agent's context: its LLM (base_url) and its tool. Events go to
 * on_event (the tests record them). */
static toolorch_ctx *weather_agent_new(struct weather_agent *agent, const char *llm_base_url, toolorch_event_fn on_event,
                                       void *event_ud) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"max_parallel_tools\": 8, \"worker_threads\": 8, \"emit_call_started\": true,"
           " \"llm\": {\"protocol\": \"openai\", \"base_url\": \"%s\", \"api_key\": \"sk-test\","
           " \"model\": \"gpt-4o-mini\"}}",
           llm_base_url);
  toolorch_opts *o = toolorch_opts_new();
  if (toolorch_opts_from_json(o, json) != TOOLORCH_OK) {
    toolorch_opts_free(o);
    return NULL;
  }
  toolorch_ctx *ctx = toolorch_new(o, NULL);
  toolorch_opts_free(o);
  if (!ctx) return NULL;
  toolorch_set_event_fn(ctx, on_event, event_ud);
  toolorch_tool *t = toolorch_tool_new("weather");
  toolorch_tool_set_description(t, "The weather forecast for a city");
  toolorch_tool_set_schema(t, "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}},"
                              " \"required\": [\"city\"]}");
  toolorch_tool_set_flags(t, TOOLORCH_TOOL_BLOCKING | TOOLORCH_TOOL_SIDE_EFFECT_FREE);
  toolorch_tool_set_fn(t, weather_tool, agent);
  int rc = toolorch_register_tool(ctx, t);
  toolorch_tool_free(t);
  if (rc != TOOLORCH_OK) {
    toolorch_free(ctx);
    return NULL;
  }
  return ctx;
}

static toolorch_job *weather_agent_ask(toolorch_ctx *ctx, const char *question) {
  char json[512];
  snprintf(json, sizeof json, "{\"prompt\": \"%s\", \"tools\": [\"weather\"], \"llm_backoff_base_ms\": 10}", question);
  return toolorch_job_start(ctx, json, NULL, NULL);
}

/* ---- the tests -------------------------------------------------------------- */

/* A fake weather service with a gate: each lookup waits until `expected`
 * lookups are in progress at once (or the gate is opened, or 10 s pass).
 * So calls run one at a time make expect_parallel fail, not hang. */
struct fake_weather {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int in_progress, expected, open;
};

static void fake_lookup(const char *city, char *out, size_t out_size, void *userdata) {
  struct fake_weather *f = userdata;
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&f->mu);
  f->in_progress++;
  pthread_cond_broadcast(&f->cv);
  while (!f->open && f->in_progress < f->expected)
    if (pthread_cond_timedwait(&f->cv, &f->mu, &deadline) != 0) break;
  pthread_mutex_unlock(&f->mu);
  int temp = (int)strlen(city) * 3 + 3; /* a forecast that depends on the city */
  snprintf(out, out_size, "%s %dC", city, temp);
}

static void fake_open(struct fake_weather *f) {
  pthread_mutex_lock(&f->mu);
  f->open = 1;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
}

/* Everything one test needs: the scripted LLM, a recorder, the agent. */
struct fixture {
  toolorch_testing_server *llm;
  toolorch_testing_recorder *rec;
  struct fake_weather weather;
  struct weather_agent agent;
  toolorch_ctx *ctx;
};

static struct fixture f;
static int f_in_use;

static struct fixture *fixture_new(const char *script, int parallel_lookups) {
  memset(&f, 0, sizeof f);
  f_in_use = 1;
  char err[512];
  if (toolorch_testing_server_start(script, 0, &f.llm, err, sizeof err) != TOOLORCH_OK) fail_msg("server: %s", err);
  f.rec = toolorch_testing_recorder_new();
  pthread_mutex_init(&f.weather.mu, NULL);
  pthread_cond_init(&f.weather.cv, NULL);
  f.weather.expected = parallel_lookups;
  f.agent.lookup = fake_lookup;
  f.agent.lookup_ud = &f.weather;
  /* Record every event: the recorder's own callback, on the library's loop. */
  f.ctx = weather_agent_new(&f.agent, toolorch_testing_server_url(f.llm, "openai"), toolorch_testing_recorder_event_fn,
                            f.rec);
  assert_non_null(f.ctx);
  return &f;
}

/* cmocka's teardown: runs after each test, passed or failed. */
static int fixture_free(void **state) {
  (void)state;
  if (!f_in_use) return 0;
  f_in_use = 0;
  fake_open(&f.weather); /* no lookup left waiting */
  toolorch_free(f.ctx);
  toolorch_testing_recorder_free(f.rec);
  toolorch_testing_server_stop(f.llm);
  pthread_cond_destroy(&f.weather.cv);
  pthread_mutex_destroy(&f.weather.mu);
  return 0;
}

/* Runs a question to its end: the job's events are in f->rec. */
static void ask(struct fixture *f, const char *question) {
  toolorch_job *job = weather_agent_ask(f->ctx, question);
  assert_non_null(job);
  assert_int_equal(toolorch_testing_recorder_wait(f->rec, TOOLORCH_EVENT_JOB_DONE, 1, 30000), TOOLORCH_OK);
  toolorch_job_free(job);
}

/* Round 0: the model asks for three cities at once; round 1: it answers
 * with the tool results ({tool_results}: joined by ",", in call order). */
static const char *kThreeCities =
    "{\"rounds\": ["
    "  {\"tool_calls\": [{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}},"
    "                    {\"name\": \"weather\", \"arguments\": {\"city\": \"Oslo\"}},"
    "                    {\"name\": \"weather\", \"arguments\": {\"city\": \"Rome\"}}]},"
    "  {\"text\": \"Forecast: {tool_results}\"}]}";

static void test_looks_up_every_city_at_once(void **state) {
  (void)state;
  struct fixture *f = fixture_new(kThreeCities, 3);
  ask(f, "Weather in Paris, Oslo and Rome?");

  toolorch_assert_only_calls(f->rec, "[{\"tool\": \"weather\", \"arguments\": {\"city\": \"Rome\"}},"
                                     " {\"tool\": \"weather\", \"arguments\": {\"city\": \"Paris\"}},"
                                     " {\"tool\": \"weather\", \"arguments\": {\"city\": \"Oslo\"}}]");
  toolorch_assert_parallel(f->rec, "weather");
  toolorch_assert_max_running(f->rec, 3);
  toolorch_assert_answer(f->rec, "Forecast: Paris 18C,Oslo 15C,Rome 15C");
  toolorch_assert_no_duplicate_results(f->rec, f->llm);
  toolorch_assert_results_matched(f->llm);
  /* The server's own counters, for anything the expectations do not say. */
  assert_int_equal(toolorch_testing_server_stat(f->llm, "requests.total"), 2);
}

/* A provider hiccup: the first request gets a 500; the agent retries. */
static void test_survives_a_server_error(void **state) {
  (void)state;
  struct fixture *f = fixture_new(
      "{\"rounds\": [{\"tool_calls\": [{\"name\": \"weather\", \"arguments\": {\"city\": \"Lima\"}}]},"
      "              {\"text\": \"Forecast: {tool_results}\"}],"
      " \"faults\": [{\"round\": 0, \"kind\": \"http_500\", \"times\": 1}]}",
      1);
  ask(f, "Weather in Lima?");
  toolorch_assert_only_calls(f->rec, "[{\"tool\": \"weather\", \"arguments\": {\"city\": \"Lima\"}}]");
  toolorch_assert_answer(f->rec, "Forecast: Lima 15C");
  assert_int_equal(toolorch_testing_server_stat(f->llm, "faults_injected.http_500"), 1);
  assert_int_equal(toolorch_testing_server_stat(f->llm, "round_requests.0"), 2);
}

/* The user gives up: cancelling the job cancels the lookup under way. */
static void test_cancel_stops_the_lookup(void **state) {
  (void)state;
  struct fixture *f = fixture_new(kThreeCities, 99 /* never all in: they wait */);
  toolorch_job *job = weather_agent_ask(f->ctx, "Weather in Paris, Oslo and Rome?");
  assert_non_null(job);
  assert_int_equal(toolorch_testing_recorder_wait(f->rec, TOOLORCH_EVENT_CALL_STARTED, 3, 30000), TOOLORCH_OK);
  assert_int_equal(toolorch_job_cancel(job), TOOLORCH_OK);
  assert_int_equal(toolorch_testing_recorder_wait(f->rec, TOOLORCH_EVENT_JOB_DONE, 1, 30000), TOOLORCH_OK);
  toolorch_job_free(job);

  toolorch_assert_cancelled(f->rec, "weather");
  toolorch_assert_no_duplicate_results(f->rec, f->llm);
  /* And the expectations can fail: there was no answer. */
  char msg[512];
  assert_int_equal(toolorch_testing_expect_answer(f->rec, "anything", msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "cancelled"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_looks_up_every_city_at_once, fixture_free),
      cmocka_unit_test_teardown(test_survives_a_server_error, fixture_free),
      cmocka_unit_test_teardown(test_cancel_stops_the_lookup, fixture_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
