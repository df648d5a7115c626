#include "llm/http_errors.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "json/json.h"
#include "toolorch/status.h"

namespace toolorch::llm {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Digits only, no sign, at most 15 of them (no overflow); -1 otherwise.
int64_t parse_count(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 15) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

int month_index(std::string_view m) {
  static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i)
    if (iequals(m, names[i])) return i;
  return -1;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), m in 1..12.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// A plain non-negative decimal ("12", "1.5"); false otherwise.
bool parse_decimal(std::string_view s, double *out) {
  if (s.empty() || s.size() > 24) return false;
  double v = 0, scale = 0;
  bool digits = false;
  for (char c : s) {
    if (c == '.') {
      if (scale != 0) return false;
      scale = 1;
    } else if (c >= '0' && c <= '9') {
      digits = true;
      if (scale == 0) {
        v = v * 10 + (c - '0');
      } else {
        scale /= 10;
        v += (c - '0') * scale;
      }
    } else {
      return false;
    }
  }
  *out = v;
  return digits;
}

}  // namespace

const std::string *header_value(const std::vector<http::Header> &headers, std::string_view name) {
  for (const auto &h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

int64_t header_int(const std::vector<http::Header> &headers, std::string_view name) {
  const std::string *v = header_value(headers, name);
  return v ? parse_count(*v) : -1;
}

int64_t parse_http_date_ms(std::string_view text) {
  std::string s(trim(text));
  char wday[16] = {0}, mon[4] = {0}, zone[4] = {0};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, n = 0;
  bool ok = false;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(s.c_str(), "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &day, mon, &year, &hh,
                  &mm, &ss, zone, &n) == 8 && static_cast<size_t>(n) == s.size()) {
    ok = true;
  } else if (std::sscanf(s.c_str(), "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wday, &day, mon, &year,
                         &hh, &mm, &ss, zone, &n) == 8 && static_cast<size_t>(n) == s.size()) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; two-digit years per RFC 9110 7.1.1.1
    year += year < 70 ? 2000 : 1900;
    ok = true;
  } else if (std::sscanf(s.c_str(), "%15[A-Za-z] %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &day, &hh, &mm, &ss,
                         &year, &n) == 7 && static_cast<size_t>(n) == s.size()) {
    // asctime: Sun Nov  6 08:49:37 1994
    std::strcpy(zone, "GMT");
    ok = true;
  }
  if (!ok || std::strcmp(zone, "GMT") != 0) return -1;
  int m = month_index(mon);
  if (m < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970 || year > 9999) return -1;
  int64_t days = days_from_civil(year, static_cast<unsigned>(m + 1), static_cast<unsigned>(day));
  return ((days * 24 + hh) * 60 + mm) * 60000 + static_cast<int64_t>(ss) * 1000;
}

int64_t retry_after_ms(const std::vector<http::Header> &headers, int64_t now_unix_ms) {
  int64_t ms = header_int(headers, "retry-after-ms");
  if (ms >= 0) return ms;
  const std::string *v = header_value(headers, "retry-after");
  if (!v) return -1;
  int64_t secs = parse_count(*v);
  if (secs >= 0) return secs * 1000;
  int64_t at = parse_http_date_ms(*v);
  if (at < 0) return -1;
  return at > now_unix_ms ? at - now_unix_ms : 0;
}

int64_t parse_proto_duration_ms(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.back() != 's') return -1;
  text.remove_suffix(1);
  double v = 0;
  if (!parse_decimal(text, &v)) return -1;
  return static_cast<int64_t>(v * 1000 + 0.5);
}

int64_t parse_reset_ms(std::string_view text, int64_t now_unix_ms) {
  text = trim(text);
  if (text.empty()) return -1;
  double bare = 0;
  if (parse_decimal(text, &bare)) return static_cast<int64_t>(bare * 1000 + 0.5);
  // Go duration: (number unit)+ with units h, m, s, ms, us, ns.
  if (text.find('T') == std::string_view::npos) {
    double total_ms = 0;
    std::string_view rest = text;
    while (!rest.empty()) {
      size_t n = 0;
      while (n < rest.size() && ((rest[n] >= '0' && rest[n] <= '9') || rest[n] == '.')) ++n;
      double v = 0;
      if (n == 0 || !parse_decimal(rest.substr(0, n), &v)) return -1;
      rest.remove_prefix(n);
      size_t u = 0;
      while (u < rest.size() && rest[u] >= 'a' && rest[u] <= 'z') ++u;
      std::string_view unit = rest.substr(0, u);
      rest.remove_prefix(u);
      if (unit == "h") total_ms += v * 3600000;
      else if (unit == "m") total_ms += v * 60000;
      else if (unit == "s") total_ms += v * 1000;
      else if (unit == "ms") total_ms += v;
      else if (unit == "us") total_ms += v / 1000;
      else if (unit == "ns") total_ms += v / 1e6;
      else return -1;
      if (total_ms > 1e13) return -1;
    }
    return static_cast<int64_t>(total_ms + 0.5);
  }
  // RFC 3339: 2025-01-01T00:00:30[.123](Z|+01:00)
  std::string s(text);
  int y = 0, mo = 0, d = 0, hh = 0, mm = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%n", &y, &mo, &d, &hh, &mm, &n) != 5 || n == 0) return -1;
  std::string_view rest = std::string_view(s).substr(static_cast<size_t>(n));
  size_t k = 0;
  while (k < rest.size() && ((rest[k] >= '0' && rest[k] <= '9') || rest[k] == '.')) ++k;
  double secs = 0;
  if (k == 0 || !parse_decimal(rest.substr(0, k), &secs)) return -1;
  rest.remove_prefix(k);
  int64_t offset_min = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) return -1;
    offset_min = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return -1;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || secs >= 61 || y < 1970 || y > 9999) return -1;
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t at = ((days * 24 + hh) * 60 + mm - offset_min) * 60000 + static_cast<int64_t>(secs * 1000 + 0.5);
  return at > now_unix_ms ? at - now_unix_ms : 0;
}

int64_t rate_reset_ms(const std::vector<http::Header> &headers, std::string_view name, int64_t now_unix_ms) {
  if (name.empty()) return -1;
  const std::string *v = header_value(headers, name);
  return v ? parse_reset_ms(*v, now_unix_ms) : -1;
}

int64_t retry_info_ms(std::string_view body) {
  json::Limits limits;
  limits.max_bytes = 1u << 20;
  json::Ptr doc = json::parse(body, limits, nullptr);
  if (!doc) return -1;
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc.get(), "error");
  // A streamed error may come as a one-element array of the body.
  if (!err && cJSON_IsArray(doc.get())) err = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(doc.get(), 0), "error");
  const cJSON *details = cJSON_GetObjectItemCaseSensitive(err, "details");
  if (!cJSON_IsArray(details)) return -1;
  for (const cJSON *d = details->child; d; d = d->next) {
    const char *type = json::get_string(d, "@type");
    if (!type || std::string_view(type).find("google.rpc.RetryInfo") == std::string_view::npos) continue;
    if (const char *delay = json::get_string(d, "retryDelay")) return parse_proto_duration_ms(delay);
  }
  return -1;
}

std::string provider_error_message(std::string_view body) {
  json::Limits limits;
  limits.max_bytes = 1u << 20;
  if (json::Ptr doc = json::parse(body, limits, nullptr)) {
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc.get(), "error");
    if (const char *m = json::get_string(err, "message")) return m;
    if (cJSON_IsString(err) && err->valuestring) return err->valuestring;
    if (const char *m = json::get_string(doc.get(), "message")) return m;
  }
  // Not the JSON we know (an HTML page of a proxy, plain text): a snippet.
  std::string snippet;
  for (char c : trim(body)) {
    if (snippet.size() >= 200) {
      snippet += "...";
      break;
    }
    snippet.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return snippet;
}

Error http_status_error(std::string_view provider, long http_status,
                        const std::vector<http::Header> &headers, std::string_view body,
                        int64_t now_unix_ms) {
  Error e;
  e.http_status = http_status;
  std::string detail = provider_error_message(body);
  std::string head = std::string(provider);
  if (http_status == 429) {
    e.status = TOOLORCH_ERATELIMITED;
    e.retryable = true;
    e.retry_after_ms = retry_after_ms(headers, now_unix_ms);
    if (e.retry_after_ms < 0) e.retry_after_ms = retry_info_ms(body);  // Gemini RESOURCE_EXHAUSTED
    head += " rate limit (HTTP 429)";
  } else {
    e.status = TOOLORCH_EPROVIDER;
    e.retryable = http_status >= 500 || http_status == 529;
    // Overloaded answers may say when to come back too.
    if (e.retryable) e.retry_after_ms = retry_after_ms(headers, now_unix_ms);
    if (e.retryable && e.retry_after_ms < 0) e.retry_after_ms = retry_info_ms(body);
    head += " answered HTTP " + std::to_string(http_status);
  }
  e.message = detail.empty() ? head : head + ": " + detail;
  return e;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "[redacted]");
    pos += 10;
  }
  return text;
}

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace toolorch::llm
