// How a provider's non-2xx answer becomes an error: the status line, the
// headers (Retry-After as seconds or an HTTP date, the rate-limit counters)
// and the error body all come from the server. Input layout: two bytes of
// HTTP status, then "Name: value" header lines up to a blank line, then the
// body.
#include <vector>

#include "fuzz_input.h"
#include "llm/http_errors.h"
#include "toolorch/status.h"

using namespace toolorch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in(data, size);
  long status = in.byte();
  status = (status << 8 | in.byte()) % 1000;
  std::vector<http::Header> headers;
  for (std::string_view head = in.until("\n\n"); !head.empty();) {
    fuzz::Input lines(reinterpret_cast<const uint8_t *>(head.data()), head.size());
    while (!lines.empty()) {
      std::string_view line = lines.until("\n");
      size_t colon = line.find(':');
      http::Header h;
      h.name = std::string(line.substr(0, colon));
      if (colon != std::string_view::npos) h.value = std::string(line.substr(colon + 1));
      headers.push_back(std::move(h));
    }
    break;
  }
  std::string_view body = in.rest();
  const int64_t now = 1764666000000;  // a fixed clock: the same input, the same answer

  int64_t wait = llm::retry_after_ms(headers, now);
  FUZZ_CHECK(wait >= -1);
  for (const http::Header &h : headers) {
    FUZZ_CHECK(llm::parse_http_date_ms(h.value) >= -1);
    FUZZ_CHECK(llm::header_int(headers, h.name) >= -1);
  }
  std::string said = llm::provider_error_message(body);
  (void)said;

  llm::Error e = llm::http_status_error("fuzz", status, headers, body, now);
  FUZZ_CHECK(e.status == TOOLORCH_ERATELIMITED || e.status == TOOLORCH_EPROVIDER);
  FUZZ_CHECK(e.http_status == status);
  FUZZ_CHECK(!e.message.empty());
  FUZZ_CHECK(e.retry_after_ms >= -1);

  std::string redacted = llm::redact(std::string(body), "secret");
  FUZZ_CHECK(redacted.find("secret") == std::string::npos);
  return 0;
}
