// Cancellation and re-entrancy: cancel from outside and from inside
// callbacks, start from inside callbacks, destroying the Client mid-flight.
// "No callback after cancel" is checked by letting the loop run on (the
// server keeps streaming) and seeing the counts unchanged.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

#include "http/http_client.h"
#include "http_recorder.h"
#include "http_fixture.h"
#include "http_test_loop.h"
#include "test_http_server.h"
#include "toolorch/status.h"

using toolorch::http::Client;
using toolorch::http::Request;
using toolorch::http::Result;
using toolorch::http::TransferId;
using namespace toolorch::test;

namespace {

struct Fixture : HttpFixture {
  Fixture() {
    // Long enough that a transfer is surely mid-stream when cancelled.
    server.set("/stream", HttpBehaviour::stream(200, 10));
    server.set("/hang", HttpBehaviour::hang());
    server.set("/x", HttpBehaviour::fixed(200, "ok"));
  }

  bool server_saw_close(uint64_t closed, uint64_t abandoned) {
    return loop.run_until([&] {
      auto c = server.counters();
      return c.connections_closed >= closed && c.requests_abandoned >= abandoned;
    });
  }
};

void cancel_mid_stream_closes_the_connection(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = f.client->start(get_request(f.server.url("/stream")), rec.callbacks(/*stream=*/true));
  assert_true(f.loop.run_until([&] { return rec.data_calls >= 2; }));
  assert_true(f.client->cancel(id));
  int calls_at_cancel = rec.calls();
  assert_int_equal(f.client->stats().active, 0);
  assert_int_equal(f.client->stats().cancelled, 1);
  assert_true(f.server_saw_close(1, 1));
  f.loop.run_for(100);
  assert_int_equal(rec.calls(), calls_at_cancel);
  assert_int_equal(rec.done_calls, 0);
  assert_false(f.client->cancel(id));  // once only
  assert_int_equal(f.client->stats().sockets, 0);
}

void cancel_while_waiting_for_the_answer(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = f.client->start(get_request(f.server.url("/hang")), rec.callbacks(true));
  assert_true(f.loop.run_until([&] { return f.server.counters().requests == 1; }));
  assert_true(f.client->cancel(id));
  assert_true(f.server_saw_close(1, 1));
  f.loop.run_for(50);
  assert_int_equal(rec.calls(), 0);
}

void cancel_before_the_loop_ran(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = f.client->start(get_request(f.server.url("/x")), rec.callbacks());
  assert_true(f.client->cancel(id));
  f.loop.run_for(100);
  assert_int_equal(rec.calls(), 0);
  assert_false(f.client->cancel(id));
  assert_false(f.client->cancel(12345));
}

void cancel_after_done_returns_false(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = f.client->start(get_request(f.server.url("/x")), rec.callbacks());
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_false(f.client->cancel(id));
  assert_int_equal(f.client->stats().cancelled, 0);
}

void cancel_inside_on_data(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = 0;
  bool cancel_result = false;
  toolorch::http::Callbacks cb = rec.callbacks(true);
  auto record = cb.on_data;
  cb.on_data = [&, record](std::string_view chunk) {
    record(chunk);
    cancel_result = f.client->cancel(id);
  };
  id = f.client->start(get_request(f.server.url("/stream")), std::move(cb));
  assert_true(f.loop.run_until([&] { return rec.data_calls >= 1; }));
  assert_true(cancel_result);
  assert_true(f.server_saw_close(1, 1));
  f.loop.run_for(100);
  assert_int_equal(rec.data_calls, 1);
  assert_int_equal(rec.done_calls, 0);
  assert_int_equal(f.client->stats().active, 0);
}

void cancel_inside_on_headers(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = 0;
  toolorch::http::Callbacks cb = rec.callbacks(true);
  auto record = cb.on_headers;
  cb.on_headers = [&, record](long status, const std::vector<toolorch::http::Header> &h) {
    record(status, h);
    f.client->cancel(id);
  };
  id = f.client->start(get_request(f.server.url("/stream")), std::move(cb));
  assert_true(f.server_saw_close(1, 1));
  f.loop.run_for(100);
  assert_int_equal(rec.headers_calls, 1);
  assert_int_equal(rec.data_calls + rec.done_calls, 0);
}

// B is cancelled from inside A's on_data: B's easy handle cannot leave the
// multi handle there (libcurl forbids it); it must still never call back.
void cancel_another_transfer_inside_on_data(void **) {
  Fixture f;
  Recorder a, b;
  TransferId b_id = 0;
  bool cancelled_b = false;
  toolorch::http::Callbacks cb = a.callbacks(true);
  auto record = cb.on_data;
  cb.on_data = [&, record](std::string_view chunk) {
    record(chunk);
    if (!cancelled_b && b.data_calls > 0) cancelled_b = f.client->cancel(b_id);
  };
  f.server.set("/short", HttpBehaviour::stream(30, 10));
  f.client->start(get_request(f.server.url("/short")), std::move(cb));
  b_id = f.client->start(get_request(f.server.url("/stream")), b.callbacks(true));
  assert_true(f.loop.run_until([&] { return cancelled_b; }));
  int b_calls = b.calls();
  assert_true(f.loop.run_until([&] { return a.done_calls == 1; }));
  assert_int_equal(a.result.status, TOOLORCH_OK);
  assert_int_equal(a.streamed().size(), 30 * std::string("chunk 00\n").size() - 10);
  assert_true(f.server_saw_close(1, 1));
  f.loop.run_for(50);
  assert_int_equal(b.calls(), b_calls);
  assert_int_equal(b.done_calls, 0);
}

void start_inside_on_done(void **) {
  Fixture f;
  Recorder first, second;
  toolorch::http::Callbacks cb = first.callbacks();
  auto record = cb.on_done;
  cb.on_done = [&, record](Result &&r) {
    record(std::move(r));
    f.client->start(get_request(f.server.url("/x")), second.callbacks());
  };
  f.client->start(get_request(f.server.url("/x")), std::move(cb));
  assert_true(f.loop.run_until([&] { return second.done_calls == 1; }));
  assert_int_equal(first.done_calls, 1);
  assert_int_equal(second.result.status, TOOLORCH_OK);
  assert_string_equal(second.result.body.c_str(), "ok");
  assert_int_equal(f.client->stats().completed, 2);
}

void start_and_cancel_inside_on_data(void **) {
  Fixture f;
  Recorder streamer, started, started_then_cancelled;
  bool once = false;
  toolorch::http::Callbacks cb = streamer.callbacks(true);
  auto record = cb.on_data;
  cb.on_data = [&, record](std::string_view chunk) {
    record(chunk);
    if (once) return;
    once = true;
    f.client->start(get_request(f.server.url("/x")), started.callbacks());
    TransferId doomed = f.client->start(get_request(f.server.url("/x")), started_then_cancelled.callbacks());
    f.client->cancel(doomed);
  };
  f.server.set("/short", HttpBehaviour::stream(5, 5));
  f.client->start(get_request(f.server.url("/short")), std::move(cb));
  assert_true(f.loop.run_until([&] { return started.done_calls == 1 && streamer.done_calls == 1; }));
  assert_int_equal(started.result.status, TOOLORCH_OK);
  assert_int_equal(streamer.result.status, TOOLORCH_OK);
  f.loop.run_for(50);
  assert_int_equal(started_then_cancelled.calls(), 0);
}

void cancel_itself_inside_on_done_is_refused(void **) {
  Fixture f;
  Recorder rec;
  TransferId id = 0;
  bool result = true;
  toolorch::http::Callbacks cb = rec.callbacks();
  auto record = cb.on_done;
  cb.on_done = [&, record](Result &&r) {
    record(std::move(r));
    result = f.client->cancel(id);
  };
  id = f.client->start(get_request(f.server.url("/x")), std::move(cb));
  assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  assert_false(result);
}

void destroy_client_with_transfers_in_flight(void **) {
  Fixture f;
  constexpr int kCount = 20;
  std::vector<Recorder> recs(kCount);
  for (int i = 0; i < kCount; ++i)
    f.client->start(get_request(f.server.url(i % 2 ? "/stream" : "/hang")), recs[i].callbacks(true));
  assert_true(f.loop.run_until([&] {
    int streaming = 0;
    for (auto &r : recs) streaming += r.data_calls > 0;
    return streaming == kCount / 2 && f.server.counters().requests == kCount;
  }));
  std::vector<int> calls;
  for (auto &r : recs) calls.push_back(r.calls());
  f.client.reset();
  assert_true(f.server.wait_for(&HttpServerCounters::requests_abandoned, kCount, std::chrono::seconds(30)));
  assert_true(f.server.wait_until([&](const HttpServerCounters &c) { return c.connections_closed == c.connections_opened; },
                                  std::chrono::seconds(30)));
  f.loop.run_for(100);
  for (int i = 0; i < kCount; ++i) {
    assert_int_equal(recs[i].calls(), calls[i]);
    assert_int_equal(recs[i].done_calls, 0);
  }
}

void destroy_client_with_pooled_and_deferred_work(void **) {
  Fixture f;
  Recorder done_once, never;
  f.client->start(get_request(f.server.url("/x")), done_once.callbacks());
  assert_true(f.loop.run_until([&] { return done_once.done_calls == 1; }));
  // A pooled connection, a transfer not yet handed to libcurl's sockets and
  // an early failure waiting for the next pass: all dropped silently.
  f.client->start(get_request(f.server.url("/x")), never.callbacks());
  Request bad = get_request(f.server.url("/x"));
  bad.method = "BAD METHOD";
  f.client->start(bad, never.callbacks());
  f.client.reset();
  assert_true(f.server.wait_until([&](const HttpServerCounters &c) { return c.connections_closed == c.connections_opened; },
                                  std::chrono::seconds(30)));
  f.loop.run_for(50);
  assert_int_equal(never.calls(), 0);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cancel_mid_stream_closes_the_connection),
      cmocka_unit_test(cancel_while_waiting_for_the_answer),
      cmocka_unit_test(cancel_before_the_loop_ran),
      cmocka_unit_test(cancel_after_done_returns_false),
      cmocka_unit_test(cancel_inside_on_data),
      cmocka_unit_test(cancel_inside_on_headers),
      cmocka_unit_test(cancel_another_transfer_inside_on_data),
      cmocka_unit_test(start_inside_on_done),
      cmocka_unit_test(start_and_cancel_inside_on_data),
      cmocka_unit_test(cancel_itself_inside_on_done_is_refused),
      cmocka_unit_test(destroy_client_with_transfers_in_flight),
      cmocka_unit_test(destroy_client_with_pooled_and_deferred_work),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
