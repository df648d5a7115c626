#include "core/options.h"

#include "core/codes.h"

#include <cmath>
#include <cstring>

#include "core/option_sections.h"

namespace toolorch::core {
namespace {

enum class Kind { kInt, kBool, kString };

struct Key {
  const char *name;
  Kind kind;
  int64_t min, max;
};

// The context's own keys. Keep toolorch/opts.h in step with this table.
const Key kKeys[] = {
    {"max_parallel_tools", Kind::kInt, 1, 1000000},
    {"tool_timeout_ms", Kind::kInt, 1, 1000000000},
    {"worker_threads", Kind::kInt, 1, 1024},
    {"max_args_bytes", Kind::kInt, 16, int64_t(1) << 30},
    {"max_result_bytes", Kind::kInt, 16, int64_t(1) << 31},
    {"max_result_policy", Kind::kString, 0, 0},
    {"max_result_bytes_to_model", Kind::kInt, 0, int64_t(1) << 31},
    {"compress_results", Kind::kBool, 0, 1},
    {"compress_threshold_bytes", Kind::kInt, 0, int64_t(1) << 31},
    {"max_memory_bytes", Kind::kInt, 0, int64_t(1) << 50},
    {"spill_dir", Kind::kString, 0, 0},
    {"max_json_depth", Kind::kInt, 1, 1000},
    {"emit_call_started", Kind::kBool, 0, 1},
    {"emit_progress_events", Kind::kBool, 0, 1},
};

const Key *find_key(const char *name) {
  for (const Key &k : kKeys)
    if (std::strcmp(k.name, name) == 0) return &k;
  return nullptr;
}

// Deep-merge src's members into dst (objects merge, everything else replaces).
void merge_into(cJSON *dst, const cJSON *src) {
  for (const cJSON *m = src->child; m; m = m->next) {
    cJSON *cur = cJSON_GetObjectItemCaseSensitive(dst, m->string);
    if (cur && cJSON_IsObject(cur) && cJSON_IsObject(m)) {
      merge_into(cur, m);
    } else {
      cJSON *copy = cJSON_Duplicate(m, true);
      if (cur) cJSON_ReplaceItemInObjectCaseSensitive(dst, m->string, copy);
      else cJSON_AddItemToObject(dst, m->string, copy);
    }
  }
}

}  // namespace

Options::Options() : doc_(cJSON_CreateObject()) {}

Options::Options(const Options &o) : doc_(cJSON_Duplicate(o.doc_.get(), true)), core_(o.core_) {}

Options &Options::operator=(const Options &o) {
  if (this != &o) {
    doc_.reset(cJSON_Duplicate(o.doc_.get(), true));
    core_ = o.core_;
    err_.clear();
  }
  return *this;
}

const cJSON *Options::section(const char *name) const {
  return cJSON_GetObjectItemCaseSensitive(doc_.get(), name);
}

int Options::apply(cJSON *doc) {
  CoreOptions core;
  for (const cJSON *m = doc->child; m; m = m->next) {
    const char *name = m->string ? m->string : "";
    if (const Key *k = find_key(name)) {
      if (k->kind == Kind::kBool) {
        if (!cJSON_IsBool(m)) {
          err_ = std::string("option \"") + name + "\" must be a boolean";
          return TOOLORCH_ECONFIG;
        }
        if (std::strcmp(name, "emit_call_started") == 0) core.emit_call_started = cJSON_IsTrue(m);
        else if (std::strcmp(name, "emit_progress_events") == 0) core.emit_progress_events = cJSON_IsTrue(m);
        else if (std::strcmp(name, "compress_results") == 0) core.compress_results = cJSON_IsTrue(m);
        continue;
      }
      if (k->kind == Kind::kString) {
        if (!cJSON_IsString(m)) {
          err_ = std::string("option \"") + name + "\" must be a string";
          return TOOLORCH_ECONFIG;
        }
        std::string v = m->valuestring;
        if (!std::strcmp(name, "max_result_policy")) {
          if (v == "fail") core.max_result_policy = CoreOptions::ResultPolicy::kFail;
          else if (v == "truncate") core.max_result_policy = CoreOptions::ResultPolicy::kTruncate;
          else {
            err_ = "option \"max_result_policy\" must be \"fail\" or \"truncate\"";
            return TOOLORCH_ECONFIG;
          }
        } else if (!std::strcmp(name, "spill_dir")) {
          if (!v.empty() && v[0] != '/') {
            err_ = "option \"spill_dir\" must be an absolute path";
            return TOOLORCH_ECONFIG;
          }
          core.spill_dir = v;
        }
        continue;
      }
      double d = cJSON_IsNumber(m) ? m->valuedouble : NAN;
      if (!cJSON_IsNumber(m) || d != std::floor(d)) {
        err_ = std::string("option \"") + name + "\" must be an integer";
        return TOOLORCH_ECONFIG;
      }
      if (d < double(k->min) || d > double(k->max)) {
        err_ = std::string("option \"") + name + "\" must be between " + std::to_string(k->min) +
               " and " + std::to_string(k->max);
        return TOOLORCH_ECONFIG;
      }
      int64_t v = static_cast<int64_t>(d);
      if (!std::strcmp(name, "max_parallel_tools")) core.max_parallel_tools = int(v);
      else if (!std::strcmp(name, "tool_timeout_ms")) core.tool_timeout_ms = v;
      else if (!std::strcmp(name, "worker_threads")) core.worker_threads = int(v);
      else if (!std::strcmp(name, "max_args_bytes")) core.max_args_bytes = v;
      else if (!std::strcmp(name, "max_result_bytes")) core.max_result_bytes = v;
      else if (!std::strcmp(name, "max_result_bytes_to_model")) core.max_result_bytes_to_model = v;
      else if (!std::strcmp(name, "compress_threshold_bytes")) core.compress_threshold_bytes = v;
      else if (!std::strcmp(name, "max_memory_bytes")) core.max_memory_bytes = v;
      else if (!std::strcmp(name, "max_json_depth")) core.max_json_depth = int(v);
      continue;
    }
    int rc = check_section(name, m, &err_);
    if (rc != TOOLORCH_OK) return rc;
  }
  core_ = core;
  return TOOLORCH_OK;
}

int Options::set_value(const std::string &key, cJSON *value) {
  json::Ptr owned(value);
  if (!value) {
    err_ = "out of memory";
    return TOOLORCH_ENOMEM;
  }
  if (key.empty()) {
    err_ = "option key is empty";
    return TOOLORCH_ECONFIG;
  }
  // "a.b.c" sets a nested member, creating objects on the way.
  json::Ptr doc(cJSON_Duplicate(doc_.get(), true));
  cJSON *obj = doc.get();
  size_t start = 0;
  for (;;) {
    size_t dot = key.find('.', start);
    std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) {
      err_ = "option key \"" + key + "\" has an empty part";
      return TOOLORCH_ECONFIG;
    }
    if (dot == std::string::npos) {
      if (cJSON_GetObjectItemCaseSensitive(obj, part.c_str()))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, part.c_str(), owned.release());
      else
        cJSON_AddItemToObject(obj, part.c_str(), owned.release());
      break;
    }
    cJSON *next = cJSON_GetObjectItemCaseSensitive(obj, part.c_str());
    if (!next || !cJSON_IsObject(next)) {
      cJSON *fresh = cJSON_CreateObject();
      if (next) cJSON_ReplaceItemInObjectCaseSensitive(obj, part.c_str(), fresh);
      else cJSON_AddItemToObject(obj, part.c_str(), fresh);
      next = fresh;
    }
    obj = next;
    start = dot + 1;
  }
  int rc = apply(doc.get());
  if (rc == TOOLORCH_OK) doc_ = std::move(doc);
  return rc;
}

int Options::set_int(const std::string &key, int64_t v) {
  return set_value(key, cJSON_CreateNumber(static_cast<double>(v)));
}
int Options::set_double(const std::string &key, double v) { return set_value(key, cJSON_CreateNumber(v)); }
int Options::set_bool(const std::string &key, bool v) { return set_value(key, cJSON_CreateBool(v)); }
int Options::set_string(const std::string &key, const std::string &v) {
  return set_value(key, cJSON_CreateString(v.c_str()));
}

int Options::merge_json(const std::string &text) {
  std::string perr;
  json::Ptr src = json::parse(text, &perr);
  if (!src) {
    err_ = "options are not valid JSON: " + perr;
    return TOOLORCH_EJSON;
  }
  if (!cJSON_IsObject(src.get())) {
    err_ = "options must be a JSON object";
    return TOOLORCH_ECONFIG;
  }
  json::Ptr doc(cJSON_Duplicate(doc_.get(), true));
  merge_into(doc.get(), src.get());
  int rc = apply(doc.get());
  if (rc == TOOLORCH_OK) doc_ = std::move(doc);
  return rc;
}

}  // namespace toolorch::core
