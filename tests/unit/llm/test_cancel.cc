// Cancelling a request: cancel() and destroying the PendingRequest stop the
// transfer and every later Listener call, also from inside any Listener call
// (while the adapter is in the middle of a chunk of many events).
#include <cstring>
#include <string>

#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;

namespace {

const llm::Protocol kBoth[] = {llm::Protocol::kOpenAI, llm::Protocol::kAnthropic};

std::string fixture_for(llm::Protocol p) {
  return test::read_fixture(p == llm::Protocol::kOpenAI ? "openai_parallel_tool_calls.sse"
                                                        : "anthropic_doc_tool_use.sse");
}

// Plays the whole answer in one chunk; at the first event starting with
// `at`, the hook cancels (destroy = false) or destroys the request.
void act_inside(llm::Protocol p, const std::string &at, bool destroy) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(p), &http);
  RecordingListener l;
  std::unique_ptr<llm::PendingRequest> req = provider->send(test::simple_request(), &l);
  size_t seen_at = 0;
  l.hook = [&](const std::string &event) {
    if (seen_at || event.compare(0, at.size(), at) != 0) return;
    seen_at = l.events.size();
    if (destroy) req.reset();
    else req->cancel();
  };
  http.headers(0, 200, {{"content-type", "text/event-stream"}, {"x-ratelimit-remaining-requests", "5"},
                        {"anthropic-ratelimit-requests-remaining", "5"}});
  http.data(0, fixture_for(p));
  http.done(0);
  assert_int_equal(seen_at, l.events.size());  // nothing after the cancel
  bool ended_by_it = at == "finished" || at == "error";
  if (!ended_by_it) {
    assert_true(http.transfer(0).cancelled);
    assert_int_equal(l.ends(), 0);
  } else {
    assert_false(http.transfer(0).cancelled);  // it had ended already
  }
  if (req) req->cancel();  // again: harmless
  assert_int_equal(http.stats().active, 0);
}

void test_cancel_inside_each_event(void **) {
  for (llm::Protocol p : kBoth) {
    for (const char *at : {"rate:", "text:", "started:0", "ready:0", "usage:", "finished"}) {
      act_inside(p, at, false);
      act_inside(p, at, true);
    }
  }
}

void test_cancel_inside_ready_stops_later_calls(void **) {
  // The core's typical move: the first call alone is enough.
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kOpenAI), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  l.hook = [&](const std::string &event) {
    if (event.rfind("ready:0", 0) == 0) req.reset();
  };
  http.respond(0, 200, test::sse_headers(), fixture_for(llm::Protocol::kOpenAI));
  assert_int_equal(l.find("started:1"), -1);
  assert_int_equal(l.ready.size(), 1);
  assert_int_equal(l.ends(), 0);
  assert_true(http.transfer(0).cancelled);
}

void test_destroy_inside_error(void **) {
  for (llm::Protocol p : kBoth) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(p), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    l.hook = [&](const std::string &event) {
      if (event.rfind("error", 0) == 0) req.reset();
    };
    // An in-stream failure: the adapter stops the transfer and reports it.
    http.headers(0, 200, test::sse_headers());
    http.data(0, "data: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}\n\ndata: more\n\n");
    assert_int_equal(l.errors, 1);
    assert_int_equal(static_cast<int>(l.events.size()), 1);
    assert_true(http.transfer(0).cancelled);
    assert_false(http.done(0));
  }
}

void test_cancel_outside_callbacks(void **) {
  for (llm::Protocol p : kBoth) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(p), &http);
    RecordingListener l;
    auto req = provider->send(test::simple_request(), &l);
    http.headers(0, 200, test::sse_headers());
    std::string body = fixture_for(p);
    http.data(0, body.substr(0, body.size() / 3));
    size_t before = l.events.size();
    req->cancel();
    assert_true(http.transfer(0).cancelled);
    assert_false(http.data(0, body.substr(body.size() / 3)));  // the client refuses: cancelled
    assert_false(http.done(0));
    assert_int_equal(l.events.size(), before);
    req.reset();  // destroying a cancelled request: nothing more happens
    assert_int_equal(http.stats().cancelled, 1);

    // Destroying it without cancel() cancels too.
    RecordingListener l2;
    auto req2 = provider->send(test::simple_request(), &l2);
    req2.reset();
    assert_true(http.transfer(1).cancelled);
    assert_int_equal(l2.events.size(), 0);
  }
}

void test_provider_destroyed_before_request(void **) {
  FakeHttpClient http;
  auto provider = llm::make_provider(test::test_config(llm::Protocol::kAnthropic), &http);
  RecordingListener l;
  auto req = provider->send(test::simple_request(), &l);
  provider.reset();
  http.respond(0, 200, test::sse_headers(), fixture_for(llm::Protocol::kAnthropic), 13);
  assert_int_equal(l.finished, 1);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cancel_inside_each_event),
      cmocka_unit_test(test_cancel_inside_ready_stops_later_calls),
      cmocka_unit_test(test_destroy_inside_error),
      cmocka_unit_test(test_cancel_outside_callbacks),
      cmocka_unit_test(test_provider_destroyed_before_request),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
