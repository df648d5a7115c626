// Every failure of a provider request, for both adapters: HTTP statuses,
// Retry-After, transport failures, bodies that are not JSON, streams cut
// short, rate headers -- and the API key never in any message.
#include <cstring>
#include <string>

#include "llm/http_errors.h"
#include "llm_test_util.h"
#include "toolorch/status.h"

using namespace toolorch;
using test::FakeHttpClient;
using test::RecordingListener;

namespace {

const char *kKey = "sk-SECRET-0123456789";
const llm::Protocol kBoth[] = {llm::Protocol::kOpenAI, llm::Protocol::kAnthropic};

// Every error also keeps the key out of its message.
struct Run : test::ProviderRun {
  explicit Run(llm::Protocol p, bool stream = true) : ProviderRun(test::test_config(p, kKey), stream) {}
  const llm::Error &error() {
    const llm::Error &e = ProviderRun::error();
    assert_null(strstr(e.message.c_str(), kKey));
    return e;
  }
};

void test_429_retry_after(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p);
    r.http.respond(0, 429, {{"Retry-After", "7"}, {"content-type", "application/json"}},
                   R"({"error":{"message":"Rate limit reached for requests","type":"requests"}})");
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ERATELIMITED);
    assert_true(e.retryable);
    assert_int_equal(e.http_status, 429);
    assert_int_equal(e.retry_after_ms, 7000);
    assert_non_null(strstr(e.message.c_str(), "Rate limit reached for requests"));

    Run ms(p);
    ms.http.respond(0, 429, {{"retry-after-ms", "1500"}, {"retry-after", "2"}}, "{}");
    assert_int_equal(ms.error().retry_after_ms, 1500);

    Run none(p);
    none.http.respond(0, 429, {}, "");
    assert_int_equal(none.error().retry_after_ms, -1);
    assert_int_equal(none.error().status, TOOLORCH_ERATELIMITED);

    Run past(p);  // a date already gone: retry now
    past.http.respond(0, 429, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, "");
    assert_int_equal(past.error().retry_after_ms, 0);
  }
}

void test_retry_after_dates(void **) {
  // RFC 9110's example date, in its three forms.
  const int64_t t = 784111777000;  // Sun, 06 Nov 1994 08:49:37 GMT
  assert_int_equal(llm::parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), t);
  assert_int_equal(llm::parse_http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"), t);
  assert_int_equal(llm::parse_http_date_ms("Sun Nov  6 08:49:37 1994"), t);
  assert_int_equal(llm::parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 PST"), -1);
  assert_int_equal(llm::parse_http_date_ms("tomorrow"), -1);
  assert_int_equal(llm::parse_http_date_ms("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
  std::vector<http::Header> h = {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}};
  assert_int_equal(llm::retry_after_ms(h, t - 5000), 5000);
  assert_int_equal(llm::retry_after_ms(h, t + 5000), 0);
  h = {{"retry-after", " 12 "}};
  assert_int_equal(llm::retry_after_ms(h, 0), 12000);
  h = {{"retry-after", "-3"}};
  assert_int_equal(llm::retry_after_ms(h, 0), -1);
}

void test_server_errors_are_retryable(void **) {
  for (llm::Protocol p : kBoth) {
    for (long status : {500L, 502L, 503L, 529L}) {
      Run r(p);
      r.http.respond(0, status, {},
                     R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
      const llm::Error &e = r.error();
      assert_int_equal(e.status, TOOLORCH_EPROVIDER);
      assert_true(e.retryable);
      assert_int_equal(e.http_status, status);
      assert_non_null(strstr(e.message.c_str(), "Overloaded"));
    }
  }
}

void test_client_errors_carry_the_providers_message(void **) {
  for (llm::Protocol p : kBoth) {
    for (long status : {400L, 401L, 403L, 404L, 413L}) {
      Run r(p);
      r.http.respond(0, status, {{"content-type", "application/json"}},
                     R"({"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error"}})", 3);
      const llm::Error &e = r.error();
      assert_int_equal(e.status, TOOLORCH_EPROVIDER);
      assert_false(e.retryable);
      assert_int_equal(e.http_status, status);
      assert_non_null(strstr(e.message.c_str(), "The model `gpt-9` does not exist"));
    }
    // Not JSON (a proxy's page): a snippet of it.
    Run html(p);
    html.http.respond(0, 403, {}, "<html>\r\n<body>Forbidden by proxy</body></html>");
    assert_non_null(strstr(html.error().message.c_str(), "Forbidden by proxy"));
  }
}

void test_key_never_in_messages(void **) {
  for (llm::Protocol p : kBoth) {
    Run echo(p);  // a server that echoes the key
    echo.http.respond(0, 401, {}, std::string(R"({"error":{"message":"Incorrect API key provided: )") + kKey + "\"}}");
    assert_non_null(strstr(echo.error().message.c_str(), "[redacted]"));

    Run transport(p);  // a transport error text that holds it
    transport.http.done(0, TOOLORCH_EHTTP, std::string("proxy said: bad header x-api-key ") + kKey);
    assert_int_equal(transport.error().status, TOOLORCH_EHTTP);

    Run in_stream(p);
    in_stream.http.headers(0, 200, test::sse_headers());
    in_stream.http.data(0, std::string("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"key ") +
                               kKey + "\"}}\n\n");
    assert_int_equal(in_stream.error().status, TOOLORCH_EPROVIDER);

    Run plain(p);
    plain.http.respond(0, 500, {}, std::string("internal error for ") + kKey);
    plain.error();
  }
}

void test_transport_failures(void **) {
  for (llm::Protocol p : kBoth) {
    Run refused(p);
    refused.http.done(0, TOOLORCH_EHTTP, "Failed to connect to 127.0.0.1 port 9: Connection refused");
    const llm::Error &e = refused.error();
    assert_int_equal(e.status, TOOLORCH_EHTTP);
    assert_true(e.retryable);
    assert_int_equal(e.http_status, 0);
    assert_non_null(strstr(e.message.c_str(), "Connection refused"));

    Run timeout(p);
    timeout.http.done(0, TOOLORCH_ETIMEDOUT, "Operation timed out");
    assert_int_equal(timeout.error().status, TOOLORCH_ETIMEDOUT);

    Run dropped(p);  // the connection broke mid-stream
    dropped.http.headers(0, 200, test::sse_headers());
    dropped.http.data(0, p == llm::Protocol::kOpenAI ? "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                                                     : test::read_fixture("anthropic_doc_basic.sse").substr(0, 300));
    dropped.http.done(0, TOOLORCH_EHTTP, "transfer closed with outstanding read data remaining");
    // A 2xx stream cut by the connection is a dropped stream: the job
    // retries those once, not as many times as a refused connection.
    assert_int_equal(dropped.error().status, TOOLORCH_ESTREAM);
    assert_non_null(strstr(dropped.error().message.c_str(), "stream ended before the response was complete"));
    assert_true(dropped.error().retryable);
    assert_int_equal(dropped.error().http_status, 200);
  }
}

void test_stream_cut_short(void **) {
  for (llm::Protocol p : kBoth) {
    std::string full = test::read_fixture(p == llm::Protocol::kOpenAI ? "openai_doc_tool_call.sse"
                                                                     : "anthropic_doc_tool_use.sse");
    // Everything but the terminal event.
    std::string cut = full.substr(0, full.rfind(p == llm::Protocol::kOpenAI ? "data: [DONE]" : "event: message_stop"));
    Run r(p);
    r.http.respond(0, 200, test::sse_headers(), cut, 11);
    const llm::Error &e = r.error();
    assert_int_equal(e.status, TOOLORCH_ESTREAM);
    assert_true(e.retryable);
    assert_string_equal(e.message.c_str(), "stream ended before the response was complete");
    // The calls that were complete had been reported ready all the same.
    assert_int_equal(r.listener.ready.size(), 1);

    Run empty(p);
    empty.http.respond(0, 200, test::sse_headers(), "");
    assert_int_equal(empty.error().status, TOOLORCH_ESTREAM);

    // A transport error after the terminal event loses nothing.
    Run late(p);
    late.http.headers(0, 200, test::sse_headers());
    late.http.data(0, full);
    late.http.done(0, TOOLORCH_EHTTP, "connection reset");
    assert_int_equal(late.listener.finished, 1);
    assert_int_equal(late.listener.errors, 0);
  }
}

void test_bodies_that_are_not_json(void **) {
  for (llm::Protocol p : kBoth) {
    Run empty(p, false);
    empty.http.respond(0, 200, {{"content-type", "application/json"}}, "");
    const llm::Error &e = empty.error();
    assert_int_equal(e.status, TOOLORCH_EPROTOCOL);
    assert_false(e.retryable);
    assert_non_null(strstr(e.message.c_str(), "empty body"));

    Run garbage(p, false);
    garbage.http.respond(0, 200, {}, "<html>oops</html>");
    assert_int_equal(garbage.error().status, TOOLORCH_EPROTOCOL);
    assert_non_null(strstr(garbage.error().message.c_str(), "not a JSON object"));

    Run chunk(p);  // a stream event that is not JSON
    chunk.http.respond(0, 200, test::sse_headers(), "data: {not json\n\n");
    assert_int_equal(chunk.error().status, TOOLORCH_EPROTOCOL);
    assert_true(chunk.http.transfer(0).cancelled);
  }
}

void test_oversized_stream_event(void **) {
  for (llm::Protocol p : kBoth) {
    Run r(p);
    r.http.headers(0, 200, test::sse_headers());
    std::string big = "data: " + std::string((8u << 20) + 10, 'x');
    r.http.data(0, big);
    assert_int_equal(r.error().status, TOOLORCH_EPROTOCOL);
    assert_true(r.http.transfer(0).cancelled);
  }
}

void test_openai_in_stream_error(void **) {
  Run r(llm::Protocol::kOpenAI);
  r.http.respond(0, 200, test::sse_headers(),
                 "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                 "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n");
  const llm::Error &e = r.error();
  assert_int_equal(e.status, TOOLORCH_EPROVIDER);
  assert_true(e.retryable);
  assert_non_null(strstr(e.message.c_str(), "The server had an error"));
}

void test_rate_headers(void **) {
  Run o(llm::Protocol::kOpenAI);
  o.http.headers(0, 200, {{"x-ratelimit-remaining-requests", "59"}, {"X-RateLimit-Remaining-Tokens", "149984"}});
  assert_string_equal(o.listener.events.at(0).c_str(), "rate:200:59:149984");
  Run a(llm::Protocol::kAnthropic);
  a.http.headers(0, 429, {{"anthropic-ratelimit-requests-remaining", "0"}, {"retry-after", "3"}});
  assert_string_equal(a.listener.events.at(0).c_str(), "rate:429:0:-1");
  Run none(llm::Protocol::kAnthropic);
  none.http.headers(0, 200, test::sse_headers());
  assert_int_equal(none.listener.events.size(), 0);
}

// Resets of exhausted budgets: OpenAI durations, Anthropic RFC 3339 times.
void test_rate_resets(void **) {
  const int64_t now = llm::parse_reset_ms("1970-01-01T00:00:00Z", 0);  // 0: the epoch itself
  assert_int_equal(now, 0);
  assert_int_equal(llm::parse_reset_ms("6m0s", 0), 360000);
  assert_int_equal(llm::parse_reset_ms("1h2m3.5s", 0), 3723500);
  assert_int_equal(llm::parse_reset_ms("20ms", 0), 20);
  assert_int_equal(llm::parse_reset_ms("2", 0), 2000);
  const int64_t at = 1735689630000;  // 2025-01-01T00:00:30Z
  assert_int_equal(llm::parse_reset_ms("2025-01-01T00:00:30Z", at - 30000), 30000);
  assert_int_equal(llm::parse_reset_ms("2025-01-01T01:00:30.250+01:00", at - 1000), 1250);
  assert_int_equal(llm::parse_reset_ms("2025-01-01T00:00:30Z", at + 5000), 0);  // past: now
  for (const char *bad : {"", "soon", "5x", "2025-13-01T00:00:00Z", "2025-01-01T00:00:00"})
    assert_int_equal(llm::parse_reset_ms(bad, 0), -1);
  // Anthropic's reset headers reach the listener when the budget is out.
  Run a(llm::Protocol::kAnthropic);
  a.http.headers(0, 200, {{"anthropic-ratelimit-tokens-remaining", "0"},
                          {"anthropic-ratelimit-tokens-reset", "2999-01-01T00:00:00Z"}});
  assert_true(a.listener.has("rate:200:-1:0"));
  assert_true(a.listener.find("reset:200:") >= 0);
  // Gemini's RetryInfo.
  assert_int_equal(llm::retry_info_ms(R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo",)"
                                      R"("retryDelay":"1.5s"}]}})"),
                   1500);
  assert_int_equal(llm::retry_info_ms(R"({"error":{"details":[]}})"), -1);
}

void test_bad_schema_fails_before_send_returns(void **) {
  for (llm::Protocol p : kBoth) {
    FakeHttpClient http;
    auto provider = llm::make_provider(test::test_config(p, kKey), &http);
    RecordingListener l;
    llm::Request r = test::simple_request();
    r.tools[0].schema_json = "{\"type\": ";
    auto req = provider->send(r, &l);
    assert_int_equal(l.errors, 1);
    assert_int_equal(l.error.status, TOOLORCH_EJSON);
    assert_non_null(strstr(l.error.message.c_str(), "get_weather"));
    assert_int_equal(http.count(), 0);
    req->cancel();  // harmless
    assert_int_equal(l.ends(), 1);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_429_retry_after),
      cmocka_unit_test(test_retry_after_dates),
      cmocka_unit_test(test_server_errors_are_retryable),
      cmocka_unit_test(test_client_errors_carry_the_providers_message),
      cmocka_unit_test(test_key_never_in_messages),
      cmocka_unit_test(test_transport_failures),
      cmocka_unit_test(test_stream_cut_short),
      cmocka_unit_test(test_bodies_that_are_not_json),
      cmocka_unit_test(test_oversized_stream_event),
      cmocka_unit_test(test_openai_in_stream_error),
      cmocka_unit_test(test_rate_headers),
      cmocka_unit_test(test_rate_resets),
      cmocka_unit_test(test_bad_schema_fails_before_send_returns),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
