#include "raw_llm.h"

#include <curl/curl.h>
#include <time.h>

#include <cstring>

namespace bench {
namespace {

struct Received {
  size_t bytes = 0;
  long events = 0;   // blank lines ("\n\n", or "\r\n\r\n") seen
  int newlines = 0;  // line ends in a row, across writes
};

size_t count(char *data, size_t size, size_t n, void *arg) {
  auto *r = static_cast<Received *>(arg);
  const size_t len = size * n;
  r->bytes += len;
  // Cheap (memchr to each line end): the twin thread's CPU is the baseline.
  for (size_t i = 0; i < len;) {
    if (r->newlines == 0) {
      const void *nl = std::memchr(data + i, '\n', len - i);
      if (!nl) break;
      i = static_cast<size_t>(static_cast<const char *>(nl) - data) + 1;
      r->newlines = 1;
      continue;
    }
    if (data[i] == '\n') {
      if (++r->newlines == 2) r->events++;
    } else if (data[i] != '\r') {
      r->newlines = 0;
    }
    ++i;
  }
  return len;
}

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

std::string conversation(int round) {
  std::string m = "[{\"role\":\"user\",\"content\":\"bench\"}";
  for (int i = 0; i < round; ++i)
    m += ",{\"role\":\"assistant\",\"content\":\"turn\"},{\"role\":\"user\",\"content\":\"go on\"}";
  return m + "]";
}

}  // namespace

RawLlm::RawLlm(std::string base_url, std::string protocol)
    : base_url_(std::move(base_url)), protocol_(std::move(protocol)), easy_(curl_easy_init()) {}

RawLlm::~RawLlm() {
  if (easy_) curl_easy_cleanup(static_cast<CURL *>(easy_));
}

double RawLlm::time_round(int round, std::string *err) {
  CURL *e = static_cast<CURL *>(easy_);
  if (!e) {
    *err = "curl_easy_init failed";
    return -1;
  }
  // The same streamed request the library would send, per protocol.
  const bool anthropic = protocol_ == "anthropic";
  std::string url, body;
  curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (protocol_ == "gemini") {
    url = base_url_ + "/v1beta/models/mock:streamGenerateContent?alt=sse";
    std::string contents = "[{\"role\":\"user\",\"parts\":[{\"text\":\"bench\"}]}";
    for (int i = 0; i < round; ++i)
      contents += ",{\"role\":\"model\",\"parts\":[{\"text\":\"turn\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"go on\"}]}";
    body = "{\"contents\":" + contents + "]}";
    headers = curl_slist_append(headers, "x-goog-api-key: bench");
  } else if (protocol_ == "openai-responses") {
    url = base_url_ + "/v1/responses";
    body = "{\"model\":\"mock\",\"stream\":true,\"store\":false,\"input\":" + conversation(round) + "}";
    headers = curl_slist_append(headers, "Authorization: Bearer bench");
  } else if (anthropic) {
    url = base_url_ + "/v1/messages";
    body = "{\"model\":\"mock\",\"max_tokens\":1024,\"stream\":true,\"messages\":" + conversation(round) + "}";
    headers = curl_slist_append(headers, "x-api-key: bench");
    headers = curl_slist_append(headers, "anthropic-version: 2023-06-01");
  } else {
    url = base_url_ + "/v1/chat/completions";
    body = "{\"model\":\"mock\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":" +
           conversation(round) + "}";
    headers = curl_slist_append(headers, "Authorization: Bearer bench");
  }
  Received got;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, count);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &got);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
  // A fresh connection each time: toolorch-mockllm leaves Nagle on, and on a
  // kept connection its second small write can wait for our delayed ACK
  // (~40 ms), which is the server's artefact, not the LLM's pacing.
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  const double t0 = now_ms();
  CURLcode rc = curl_easy_perform(e);
  const double ms = now_ms() - t0;
  curl_slist_free_all(headers);
  long code = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK || code != 200 || got.bytes == 0) {
    *err = std::string("raw LLM request: ") + (rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP ") +
           (rc != CURLE_OK ? "" : std::to_string(code));
    return -1;
  }
  events_ += got.events;
  return ms;
}

}  // namespace bench
