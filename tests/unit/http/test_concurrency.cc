// Many transfers at once, and connection reuse between transfers.
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
using namespace toolorch::test;

namespace {

using Fixture = HttpFixture;

void thousand_concurrent_transfers(void **) {
  Fixture f;
  f.server.set("/echo", HttpBehaviour::echo());
  constexpr int kCount = 1000;
  int done = 0, ok = 0, right_body = 0;
  for (int i = 0; i < kCount; ++i) {
    Request req;
    req.url = f.server.url("/echo");
    req.body = "transfer " + std::to_string(i);
    toolorch::http::Callbacks cb;
    cb.on_done = [&, i](Result &&r) {
      ++done;
      if (r.status == TOOLORCH_OK && r.http_status == 200) ++ok;
      if (r.body == "transfer " + std::to_string(i)) ++right_body;
    };
    f.client->start(std::move(req), std::move(cb));
  }
  assert_int_equal(f.client->stats().active, kCount);
  assert_true(f.loop.run_until([&] { return done == kCount; }, 120000));
  assert_int_equal(ok, kCount);
  assert_int_equal(right_body, kCount);
  assert_int_equal(f.server.counters().requests, kCount);
  auto s = f.client->stats();
  assert_int_equal(s.completed, kCount);
  assert_int_equal(s.active, 0);
}

void thousand_transfers_over_few_connections(void **) {
  Client::Options options;
  options.max_host_connections = 8;
  Fixture f(options);
  f.server.set("/x", HttpBehaviour::fixed(200, "ok"));
  constexpr int kCount = 1000;
  int ok = 0, done = 0;
  for (int i = 0; i < kCount; ++i) {
    toolorch::http::Callbacks cb;
    cb.on_done = [&](Result &&r) {
      ++done;
      if (r.status == TOOLORCH_OK && r.body == "ok") ++ok;
    };
    f.client->start(get_request(f.server.url("/x")), std::move(cb));
  }
  assert_true(f.loop.run_until([&] { return done == kCount; }, 120000));
  assert_int_equal(ok, kCount);
  // The cap held and connections were reused.
  assert_true(f.server.counters().connections_opened <= 8);
}

void sequential_transfers_reuse_one_connection(void **) {
  Fixture f;
  f.server.set("/x", HttpBehaviour::fixed(200, "ok"));
  for (int i = 0; i < 5; ++i) {
    Recorder rec;
    f.client->start(get_request(f.server.url("/x")), rec.callbacks());
    assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
    assert_int_equal(rec.result.status, TOOLORCH_OK);
  }
  auto c = f.server.counters();
  assert_int_equal(c.requests, 5);
  assert_int_equal(c.connections_opened, 1);
  assert_int_equal(c.connections_closed, 0);
}

void chained_from_on_done_reuses_the_connection(void **) {
  Fixture f;
  f.server.set("/x", HttpBehaviour::fixed(200, "ok"));
  int done = 0;
  std::function<void()> next = [&] {
    toolorch::http::Callbacks cb;
    cb.on_done = [&](Result &&r) {
      if (r.status == TOOLORCH_OK) ++done;
      if (done < 5) next();
    };
    f.client->start(get_request(f.server.url("/x")), std::move(cb));
  };
  next();
  assert_true(f.loop.run_until([&] { return done == 5; }));
  assert_int_equal(f.server.counters().connections_opened, 1);
}

void forbid_reuse_closes_each_connection(void **) {
  Fixture f;
  f.server.set("/x", HttpBehaviour::fixed(200, "ok"));
  for (int i = 0; i < 3; ++i) {
    Recorder rec;
    Request req = get_request(f.server.url("/x"));
    req.forbid_reuse = true;
    f.client->start(req, rec.callbacks());
    assert_true(f.loop.run_until([&] { return rec.done_calls == 1; }));
  }
  assert_true(f.loop.run_until([&] { return f.server.counters().connections_closed == 3; }));
  assert_int_equal(f.server.counters().connections_opened, 3);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(thousand_concurrent_transfers),
      cmocka_unit_test(thousand_transfers_over_few_connections),
      cmocka_unit_test(sequential_transfers_reuse_one_connection),
      cmocka_unit_test(chained_from_on_done_reuses_the_connection),
      cmocka_unit_test(forbid_reuse_closes_each_connection),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
