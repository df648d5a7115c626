// A thousand paced streams at once (half OpenAI, half Anthropic), as the
// benchmarks will ask for: every one completes with all its calls.
// cmocka 1.1 declares its C functions without extern "C".
extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}
#include <curl/curl.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include "mock_client.h"

using namespace mocktest;

namespace {

constexpr int kStreams = 1000;

const char *kScript = R"({"rounds": [
   {"text": "Fanning out.", "repeat": {"name": "fetch", "count": 10, "arguments": {"url": "http://example/{i}"}}}],
 "ttfb_ms": 20, "chunk_gap_ms": 2, "chunk_bytes": 8})";

size_t on_body(char *p, size_t size, size_t n, void *arg) {
  static_cast<std::string *>(arg)->append(p, size * n);
  return size * n;
}

void test_thousand_streams(void **) {
  // Two descriptors per stream in this process (client and server side).
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  auto server = start_server(kScript);
  assert_non_null(server.get());

  const std::string first = "[{\"role\":\"user\",\"content\":\"hi\"}]";
  const std::string bodies[2] = {openai_request(first, true), anthropic_request(first, true)};
  const std::string urls[2] = {server->url() + "/v1/chat/completions", server->url() + "/v1/messages"};

  CURLM *multi = curl_multi_init();
  curl_slist *hdrs = curl_slist_append(nullptr, "Content-Type: application/json");
  std::vector<std::string> out(kStreams);
  std::vector<CURL *> handles;
  for (int i = 0; i < kStreams; ++i) {
    CURL *h = curl_easy_init();
    const int p = i % 2;
    curl_easy_setopt(h, CURLOPT_URL, urls[p].c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, bodies[p].c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out[i]);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(h, CURLOPT_PRIVATE, reinterpret_cast<void *>(static_cast<intptr_t>(i)));
    curl_multi_add_handle(multi, h);
    handles.push_back(h);
  }
  int running = 1, ok = 0, peak = 0;
  while (running) {
    curl_multi_perform(multi, &running);
    const long long active = stat(*server, "active_streams");
    if (active > peak) peak = static_cast<int>(active);
    int left = 0;
    while (CURLMsg *m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (m->data.result == CURLE_OK && status == 200) ++ok;
    }
    if (running) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (CURL *h : handles) {
    curl_multi_remove_handle(multi, h);
    curl_easy_cleanup(h);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(hdrs);

  std::fprintf(stderr, "peak active streams %d\n", peak);
  assert_int_equal(ok, kStreams);
  for (int i = 0; i < kStreams; ++i) {
    Answer a;
    const bool read = i % 2 == 0 ? read_openai_stream(out[i], &a) : read_anthropic_stream(out[i], &a);
    assert_true(read);
    assert_true(a.finished);
    assert_int_equal(a.calls.size(), 10);
    assert_string_equal(a.calls[9].arguments.c_str(), "{\"url\":\"http://example/9\"}");
  }
  // Many streams were under way together (not served one after another).
  assert_true(peak > 1);
  assert_int_equal(stat(*server, "completed_streams"), kStreams);
  assert_int_equal(stat(*server, "active_streams"), 0);
  assert_int_equal(stat(*server, "tool_calls_issued"), kStreams * 10);
  assert_int_equal(stat(*server, "requests.openai"), kStreams / 2);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thousand_streams),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
