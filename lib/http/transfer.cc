#include "http/transfer.h"

#include <cctype>

#include "toolorch/status.h"

namespace toolorch::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters: anything else in a method is an injection.
bool valid_method(const std::string &m) {
  if (m.empty() || m.size() > 32) return false;
  for (unsigned char c : m) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool has_header(const std::vector<std::string> &headers, std::string_view name) {
  for (const std::string &h : headers) {
    if (h.size() < name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(h[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (same && (h.size() == name.size() || h[name.size()] == ':' || h[name.size()] == ';')) return true;
  }
  return false;
}

// "HTTP/1.1 200 OK" -> 200; 0 when unreadable.
long parse_status_line(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  long code = 0;
  for (size_t i = sp + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
    code = code * 10 + (line[i] - '0');
  return code;
}

// Runs a user callback; an exception must not unwind through libcurl or
// libevent (C code), so it ends the transfer instead.
template <typename Fn>
void guarded(Transfer *t, Fn &&fn) {
  try {
    fn();
  } catch (...) {
    t->callback_threw = true;  // ends it with TOOLORCH_EHTTP; no more data callbacks
  }
}

// Returning 0 from a libcurl data callback aborts the transfer there and
// then: the way to stop one from inside libcurl.
bool stopped(const Transfer *t) { return t->cancelled || t->callback_threw; }

void deliver_headers(Transfer *t) {
  t->headers_delivered = true;
  t->result.http_status = t->block_status;
  if (t->callbacks.on_headers)
    guarded(t, [t] { t->callbacks.on_headers(t->result.http_status, t->result.headers); });
}

size_t on_header_line(char *buf, size_t size, size_t nmemb, void *userdata) {
  auto *t = static_cast<Transfer *>(userdata);
  const size_t len = size * nmemb;
  if (stopped(t)) return 0;              // aborts the transfer inside libcurl
  if (t->headers_delivered) return len;  // trailers after a chunked body
  std::string_view line(buf, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) {  // the blank line that ends a header block
    if (t->block_status >= 100 && t->block_status < 200) {
      t->result.headers.clear();  // "100 Continue" and friends: wait for the real one
      t->block_status = 0;
      return len;
    }
    deliver_headers(t);
    return stopped(t) ? 0 : len;
  }
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    t->result.headers.clear();
    t->block_status = parse_status_line(line);
    return len;
  }
  std::vector<Header> &headers = t->result.headers;
  if (line.front() == ' ' || line.front() == '\t') {  // obsolete line folding
    if (!headers.empty()) {
      headers.back().value += ' ';
      headers.back().value += trim(line);
    }
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;  // not a header: ignore it
  headers.push_back(Header{std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  return len;
}

size_t on_body_bytes(char *buf, size_t size, size_t nmemb, void *userdata) {
  auto *t = static_cast<Transfer *>(userdata);
  const size_t len = size * nmemb;
  if (stopped(t)) return 0;
  if (!t->headers_delivered) {
    deliver_headers(t);
    if (stopped(t)) return 0;
  }
  if (t->callbacks.on_data) {
    guarded(t, [t, buf, len] { t->callbacks.on_data(std::string_view(buf, len)); });
    return stopped(t) ? 0 : len;
  }
  size_t cap = t->request.max_response_bytes;
  if (cap != 0 && (len > cap || t->result.body.size() > cap - len)) {
    // Keep what fits: a caller that truncates gets exactly cap bytes.
    if (t->result.body.size() < cap) t->result.body.append(buf, cap - t->result.body.size());
    t->too_big = true;
    return 0;
  }
  t->result.body.append(buf, len);
  return len;
}

void replace_all(std::string &text, std::string_view needle) {
  if (needle.empty()) return;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 3))
    text.replace(at, needle.size(), "***");
}

}  // namespace

bool configure_easy(Transfer *t, std::string *err) {
  const Request &r = t->request;
  if (!valid_method(r.method)) {
    *err = "invalid request: the method is not an HTTP token";
    return false;
  }
  for (const std::string &h : r.headers) {
    if (h.find_first_of("\r\n", 0, 3) != std::string::npos || h.find('\0') != std::string::npos) {
      *err = "invalid request: a header holds CR, LF or NUL";
      return false;
    }
  }
  CURL *e = t->easy;
  t->errbuf[0] = '\0';
  bool ok = curl_easy_setopt(e, CURLOPT_URL, r.url.c_str()) == CURLE_OK;
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // HTTP/1.1 even over TLS: with HTTP/2 a cancel would reset one stream and
  // keep the connection, and the server could not tell a cancel from a wait.
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connect_timeout_ms > 0 ? r.connect_timeout_ms : 0L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.timeout_ms > 0 ? r.timeout_ms : 0L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, r.forbid_reuse ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header_line);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body_bytes);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);

  if (r.method == "GET" && r.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD" && r.body.empty()) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    if (r.method == "POST" || !r.body.empty()) {
      // Not copied: the Transfer owns the body until the handle is reset.
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    }
    if (r.method != "POST") ok = ok && curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str()) == CURLE_OK;
  }

  for (const std::string &h : r.headers) {
    curl_slist *next = curl_slist_append(t->header_list, h.c_str());
    if (!next) ok = false;
    else t->header_list = next;
  }
  // A body over 1 KiB would otherwise wait a second for "100 Continue".
  if (ok && !has_header(r.headers, "Expect")) {
    curl_slist *next = curl_slist_append(t->header_list, "Expect:");
    if (!next) ok = false;
    else t->header_list = next;
  }
  if (t->header_list) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
  if (!ok) *err = "could not set up the transfer (out of memory)";
  return ok;
}

void settle_result(Transfer *t, CURLcode code) {
  Result &res = t->result;
  if (res.http_status == 0) {
    long http = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http) == CURLE_OK) res.http_status = http;
  }
  if (code == CURLE_OK) {
    res.status = TOOLORCH_OK;
    res.error.clear();
    return;
  }
  if (t->too_big) {
    res.status = TOOLORCH_ETOOBIG;
    res.error = "response body larger than max_response_bytes (" +
                std::to_string(t->request.max_response_bytes) + ")";
    return;
  }
  if (t->callback_threw) {
    res.status = TOOLORCH_EHTTP;
    res.error = "a callback of the transfer threw an exception";
    return;
  }
  res.status = code == CURLE_OPERATION_TIMEDOUT ? TOOLORCH_ETIMEDOUT : TOOLORCH_EHTTP;
  std::string text = curl_easy_strerror(code);
  if (t->errbuf[0] != '\0') {
    text += ": ";
    text += t->errbuf;
  }
  res.error = scrub_header_values(std::move(text), t->request.headers);
}

std::string scrub_header_values(std::string text, const std::vector<std::string> &headers) {
  for (const std::string &h : headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string_view value = trim(std::string_view(h).substr(colon + 1));
    // Short values ("1", "gzip") are no secret and would garble the text.
    if (value.size() >= 4) replace_all(text, value);
    // "Bearer sk-...": the key alone may show up too.
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find(' ', start);
      if (end == std::string_view::npos) end = value.size();
      if (end - start >= 8) replace_all(text, value.substr(start, end - start));
      start = end + 1;
    }
  }
  return text;
}

}  // namespace toolorch::http
