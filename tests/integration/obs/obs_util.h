// Helpers of the observability tests: scrape over real HTTP, read the
// exposition text, check histograms, run promtool.
#pragma once

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <map>
#include <string>
#include <vector>

#include <toolorch/toolorch.h>

#include "cmocka_cpp.h"

namespace obs_test {

inline size_t collect(char *p, size_t s, size_t n, void *ud) {
  static_cast<std::string *>(ud)->append(p, s * n);
  return s * n;
}

// GET url; returns the body, *status the HTTP status, *ctype its Content-Type.
inline std::string http_get(const std::string &url, long *status, std::string *ctype = nullptr) {
  CURL *c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) fail_msg("GET %s: %s", url.c_str(), curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  char *ct = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  if (ctype) *ctype = ct ? ct : "";
  curl_easy_cleanup(c);
  return body;
}

// Sample lines: "name{labels}" -> value (comments skipped).
inline std::map<std::string, double> samples(const std::string &text) {
  std::map<std::string, double> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    out[line.substr(0, sp)] = std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return out;
}

inline double value(const std::map<std::string, double> &m, const std::string &key) {
  auto it = m.find(key);
  if (it == m.end()) fail_msg("no sample %s", key.c_str());
  return it->second;
}

// Every histogram series: buckets cumulative (never decreasing, in the
// order written), +Inf equal to _count. Returns how many series it checked.
inline int check_histograms(const std::string &text) {
  std::map<std::string, std::vector<double>> buckets;  // series key (labels without le) -> values
  std::map<std::string, double> inf;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    size_t b = line.find("_bucket{");
    if (line.empty() || line[0] == '#' || b == std::string::npos) continue;
    size_t le = line.find("le=\"");
    size_t le_end = line.find('"', le + 4);
    std::string key = line.substr(0, b) + "{" + line.substr(b + 8, le - (b + 8)) + "}";
    double v = std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    std::vector<double> &vs = buckets[key];
    if (!vs.empty() && v < vs.back()) fail_msg("bucket decreases in %s", line.c_str());
    vs.push_back(v);
    if (line.substr(le + 4, le_end - le - 4) == "+Inf") inf[key] = v;
  }
  auto all = samples(text);
  for (auto &[key, vs] : buckets) {
    if (!inf.count(key)) fail_msg("no +Inf bucket for %s", key.c_str());
    // key is name{labels,} -> name_count{labels}
    size_t brace = key.find('{');
    std::string labels = key.substr(brace + 1, key.size() - brace - 2);
    if (!labels.empty() && labels.back() == ',') labels.pop_back();
    std::string count_key = key.substr(0, brace) + "_count" + (labels.empty() ? "" : "{" + labels + "}");
    assert_true(value(all, count_key) == inf[key]);
  }
  return static_cast<int>(buckets.size());
}

// promtool check metrics accepts the text (its exit status).
inline void promtool_accepts(const std::string &text) {
  char path[] = "/tmp/toolorch-metrics-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE *p = popen(cmd.c_str(), "r");
  assert_non_null(p);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  // promtool's lint notes (e.g. about counter naming) are printed but exit 0;
  // a parse error exits non-zero.
  if (rc != 0) fail_msg("promtool check metrics failed (%d): %s", rc, out.c_str());
}

}  // namespace obs_test
