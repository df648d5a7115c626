#include "limits/config.h"

#include <cmath>
#include <initializer_list>

#include "limits/redis_url.h"

namespace toolorch::limits {
namespace {

constexpr const char *kRoot = "rate_limits";

std::string path(const std::string &parent, const char *key) { return parent + "." + key; }

bool fail(std::string *err, const std::string &where, const std::string &what) {
  if (err) *err = where + ": " + what;
  return false;
}

bool only_known(const cJSON *obj, const std::string &where, std::initializer_list<const char *> known,
                std::string *err) {
  for (const cJSON *it = obj->child; it; it = it->next) {
    bool ok = false;
    for (const char *k : known) ok = ok || (it->string && std::string(it->string) == k);
    if (!ok) return fail(err, path(where, it->string ? it->string : "?"), "unknown key");
  }
  return true;
}

// A number > 0 (and finite); absent keeps *out.
bool positive(const cJSON *obj, const std::string &where, const char *key, double *out, std::string *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return true;
  if (!cJSON_IsNumber(v)) return fail(err, path(where, key), "must be a number");
  if (!std::isfinite(v->valuedouble) || v->valuedouble <= 0)
    return fail(err, path(where, key), "must be a number greater than 0");
  *out = v->valuedouble;
  return true;
}

bool integer(const cJSON *obj, const std::string &where, const char *key, int64_t min, int64_t max,
             int64_t *out, std::string *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return true;
  if (!cJSON_IsNumber(v) || v->valuedouble != std::floor(v->valuedouble) || v->valuedouble < min ||
      v->valuedouble > max)
    return fail(err, path(where, key),
                "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  *out = static_cast<int64_t>(v->valuedouble);
  return true;
}

bool fraction(const cJSON *obj, const std::string &where, const char *key, bool allow_one, double *out,
              std::string *err) {
  double v = *out;
  if (!positive(obj, where, key, &v, err)) return false;
  if (v > 1 || (!allow_one && v == 1))
    return fail(err, path(where, key), allow_one ? "must be in (0, 1]" : "must be in (0, 1)");
  *out = v;
  return true;
}

bool string_item(const cJSON *obj, const std::string &where, const char *key, const cJSON **out,
                 std::string *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *out = nullptr;
  if (!v) return true;
  if (!cJSON_IsString(v) || !v->valuestring) return fail(err, path(where, key), "must be a string");
  *out = v;
  return true;
}

bool parse_algorithm(const cJSON *obj, const std::string &where, bool *has, Algorithm *out,
                     std::string *err) {
  const cJSON *v;
  if (!string_item(obj, where, "algorithm", &v, err)) return false;
  if (!v) return true;
  std::string s = v->valuestring;
  if (s == "sliding_window") *out = Algorithm::kSlidingWindow;
  else if (s == "token_bucket") *out = Algorithm::kTokenBucket;
  else if (s == "gcra") *out = Algorithm::kGcra;
  else return fail(err, path(where, "algorithm"), "must be \"sliding_window\", \"token_bucket\" or \"gcra\"");
  if (has) *has = true;
  return true;
}

bool parse_backpressure(const cJSON *obj, const std::string &where, bool *has, Backpressure *out,
                        std::string *err) {
  const cJSON *v;
  if (!string_item(obj, where, "backpressure", &v, err)) return false;
  if (!v) return true;
  std::string s = v->valuestring;
  if (s == "wait") *out = Backpressure::kWait;
  else if (s == "fail") *out = Backpressure::kFail;
  else if (s == "adaptive") *out = Backpressure::kAdaptive;
  else return fail(err, path(where, "backpressure"), "must be \"wait\", \"fail\" or \"adaptive\"");
  if (has) *has = true;
  return true;
}

bool parse_service(const cJSON *obj, const std::string &where, ServiceConfig *s, std::string *err) {
  if (!cJSON_IsObject(obj)) return fail(err, where, "must be an object");
  if (!only_known(obj, where,
                  {"calls", "tokens", "window_s", "concurrency", "algorithm", "burst", "refill_interval_s",
                   "backpressure"},
                  err))
    return false;
  int64_t conc = 0;
  if (!positive(obj, where, "calls", &s->calls, err) || !positive(obj, where, "tokens", &s->tokens, err) ||
      !positive(obj, where, "window_s", &s->window_s, err) ||
      !integer(obj, where, "concurrency", 1, 1000000000, &conc, err) ||
      !parse_algorithm(obj, where, &s->has_algorithm, &s->algorithm, err) ||
      !positive(obj, where, "burst", &s->burst, err) ||
      !positive(obj, where, "refill_interval_s", &s->refill_interval_s, err) ||
      !parse_backpressure(obj, where, &s->has_backpressure, &s->backpressure, err))
    return false;
  s->concurrency = static_cast<int>(conc);
  return true;
}

bool parse_adaptive(const cJSON *obj, const std::string &where, AdaptiveConfig *a, std::string *err) {
  if (!cJSON_IsObject(obj)) return fail(err, where, "must be an object");
  if (!only_known(obj, where,
                  {"decrease", "increase", "min_fraction", "cooldown_s", "low_requests", "low_tokens"}, err))
    return false;
  double cooldown = a->cooldown_s;
  const cJSON *cd = cJSON_GetObjectItemCaseSensitive(obj, "cooldown_s");
  if (cd && (!cJSON_IsNumber(cd) || !std::isfinite(cd->valuedouble) || cd->valuedouble < 0))
    return fail(err, path(where, "cooldown_s"), "must be a number >= 0");
  if (cd) cooldown = cd->valuedouble;
  a->cooldown_s = cooldown;
  return fraction(obj, where, "decrease", false, &a->decrease, err) &&
         fraction(obj, where, "increase", true, &a->increase, err) &&
         fraction(obj, where, "min_fraction", true, &a->min_fraction, err) &&
         integer(obj, where, "low_requests", 0, INT64_C(1) << 50, &a->low_requests, err) &&
         integer(obj, where, "low_tokens", 0, INT64_C(1) << 50, &a->low_tokens, err);
}

}  // namespace

const char *algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kSlidingWindow: return "sliding_window";
    case Algorithm::kTokenBucket: return "token_bucket";
    case Algorithm::kGcra: return "gcra";
  }
  return "?";
}

const char *backpressure_name(Backpressure b) {
  switch (b) {
    case Backpressure::kWait: return "wait";
    case Backpressure::kFail: return "fail";
    case Backpressure::kAdaptive: return "adaptive";
  }
  return "?";
}

bool parse_config(const cJSON *rl, Config *out, std::string *err) {
  *out = Config{};
  if (!rl || cJSON_IsNull(rl)) return true;
  const std::string where = kRoot;
  if (!cJSON_IsObject(rl)) return fail(err, where, "must be an object");
  if (!only_known(rl, where,
                  {"global_max", "global_window_s", "algorithm", "services", "backend", "redis_url",
                   "key_prefix", "backpressure", "fail_open", "redis_timeout_ms", "redis_connect_timeout_ms",
                   "reconnect_min_ms", "reconnect_max_ms", "adaptive"},
                  err))
    return false;
  if (!positive(rl, where, "global_max", &out->global_max, err) ||
      !positive(rl, where, "global_window_s", &out->global_window_s, err) ||
      !parse_algorithm(rl, where, nullptr, &out->algorithm, err) ||
      !parse_backpressure(rl, where, nullptr, &out->backpressure, err) ||
      !positive(rl, where, "redis_timeout_ms", &out->redis_timeout_ms, err) ||
      !positive(rl, where, "redis_connect_timeout_ms", &out->redis_connect_timeout_ms, err) ||
      !positive(rl, where, "reconnect_min_ms", &out->reconnect_min_ms, err) ||
      !positive(rl, where, "reconnect_max_ms", &out->reconnect_max_ms, err))
    return false;

  const cJSON *v;
  if (!string_item(rl, where, "backend", &v, err)) return false;
  if (v) {
    std::string s = v->valuestring;
    if (s == "local") out->backend = Backend::kLocal;
    else if (s == "redis") out->backend = Backend::kRedis;
    else return fail(err, path(where, "backend"), "must be \"local\" or \"redis\"");
  }
  if (!string_item(rl, where, "redis_url", &v, err)) return false;
  if (v) out->redis_url = v->valuestring;
  if (!string_item(rl, where, "key_prefix", &v, err)) return false;
  if (v) out->key_prefix = v->valuestring;

  const cJSON *fo = cJSON_GetObjectItemCaseSensitive(rl, "fail_open");
  if (fo) {
    if (!cJSON_IsBool(fo)) return fail(err, path(where, "fail_open"), "must be true or false");
    out->fail_open = cJSON_IsTrue(fo);
  }

  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(rl, "adaptive");
  if (ad && !parse_adaptive(ad, path(where, "adaptive"), &out->adaptive, err)) return false;

  const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(rl, "services");
  if (svcs) {
    if (!cJSON_IsObject(svcs)) return fail(err, path(where, "services"), "must be an object");
    for (const cJSON *s = svcs->child; s; s = s->next) {
      std::string name = s->string ? s->string : "";
      std::string spath = path(path(where, "services"), name.c_str());
      if (out->services.count(name)) return fail(err, spath, "duplicate service");
      ServiceConfig sc;
      if (!parse_service(s, spath, &sc, err)) return false;
      out->services[name] = sc;
    }
  }
  return validate_config(*out, err);
}

bool validate_config(const Config &cfg, std::string *err) {
  const std::string where = kRoot;
  for (const auto &[name, s] : cfg.services) {
    std::string spath = path(path(where, "services"), name.c_str());
    // The name becomes a Redis hash tag: braces would move the tag.
    if (name.empty() || name.find_first_of("{}") != std::string::npos)
      return fail(err, spath, "a service name must be non-empty and contain no '{' or '}'");
    // One call costs one permit: a limit below 1 could never grant.
    if (s.calls > 0 && s.calls < 1) return fail(err, path(spath, "calls"), "must be at least 1");
    if (s.tokens > 0 && s.tokens < 1) return fail(err, path(spath, "tokens"), "must be at least 1");
    Algorithm a = cfg.algorithm_of(s);
    if (s.burst > 0 && a == Algorithm::kSlidingWindow)
      return fail(err, path(spath, "burst"), "applies to \"token_bucket\" and \"gcra\" only");
    if (s.burst > 0 && s.calls <= 0) return fail(err, path(spath, "burst"), "needs \"calls\"");
    if (s.refill_interval_s > 0 && a != Algorithm::kTokenBucket)
      return fail(err, path(spath, "refill_interval_s"), "applies to \"token_bucket\" only");
    if (!(s.window_s > 0) || !std::isfinite(s.window_s) || s.calls < 0 || s.tokens < 0 || s.concurrency < 0)
      return fail(err, spath, "values out of range");
  }
  if (cfg.global_max > 0 && cfg.global_max < 1) return fail(err, path(where, "global_max"), "must be at least 1");
  if (cfg.reconnect_max_ms < cfg.reconnect_min_ms)
    return fail(err, path(where, "reconnect_max_ms"), "must be >= reconnect_min_ms");
  if (cfg.backend == Backend::kRedis) {
    if (cfg.redis_url.empty()) return fail(err, path(where, "redis_url"), "is required with backend \"redis\"");
    RedisAddress addr;
    std::string why;
    if (!parse_redis_url(cfg.redis_url, &addr, &why)) return fail(err, path(where, "redis_url"), why);
  }
  return true;
}

}  // namespace toolorch::limits
