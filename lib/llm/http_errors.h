// How an HTTP answer of a provider becomes an llm::Error, and the headers
// that matter beside the body: Retry-After and the rate-limit counters.
// Shared by both adapters (OpenAI and Anthropic answer errors the same way:
// {"error": {"message": ...}}).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "llm/provider.h"

namespace toolorch::llm {

// The value of a header (name compared case-insensitively), or nullptr.
// (Our own, so that this layer's unit tests need not link lib/http.)
const std::string *header_value(const std::vector<http::Header> &headers, std::string_view name);

// How long the server asks us to wait: "retry-after-ms" (ms), else
// "Retry-After" as delta-seconds or an HTTP date (compared with now_unix_ms).
// -1 when neither is there or readable; never negative otherwise.
int64_t retry_after_ms(const std::vector<http::Header> &headers, int64_t now_unix_ms);

// An HTTP date (IMF-fixdate, RFC 850 or asctime form) as Unix ms; -1 if unreadable.
int64_t parse_http_date_ms(std::string_view text);

// A rate-limit reset as ms from now: a Go-style duration ("1s", "6m0s",
// "20ms", "1h2m3.5s": OpenAI x-ratelimit-reset-*), bare seconds, or an RFC
// 3339 time ("2025-01-01T00:00:30Z": Anthropic anthropic-ratelimit-*-reset).
// -1 when absent or unreadable; never negative otherwise.
int64_t parse_reset_ms(std::string_view text, int64_t now_unix_ms);
int64_t rate_reset_ms(const std::vector<http::Header> &headers, std::string_view name, int64_t now_unix_ms);

// A protobuf Duration in JSON ("37s", "1.5s") as ms; -1 if unreadable.
int64_t parse_proto_duration_ms(std::string_view text);

// Google's RetryInfo in an error body (error.details[] of @type
// type.googleapis.com/google.rpc.RetryInfo, "retryDelay"), as ms; -1 if none.
int64_t retry_info_ms(std::string_view body);

// A header value as a non-negative integer, or -1.
int64_t header_int(const std::vector<http::Header> &headers, std::string_view name);

// The provider's own words from an error body: error.message (or a string
// "error"), else a short printable snippet of the body, else "".
std::string provider_error_message(std::string_view body);

// The Error for a non-2xx answer: 429 -> ERATELIMITED (retryable, with
// retry_after_ms from the headers, else the body's RetryInfo); 5xx and 529
// -> retryable EPROVIDER; anything else ->
// EPROVIDER, not retryable. `provider` names the provider in the message.
Error http_status_error(std::string_view provider, long http_status,
                        const std::vector<http::Header> &headers, std::string_view body,
                        int64_t now_unix_ms);

// text with every occurrence of secret replaced (no-op for an empty secret).
std::string redact(std::string text, std::string_view secret);

// Wall-clock now, for Retry-After dates.
int64_t unix_now_ms();

}  // namespace toolorch::llm
