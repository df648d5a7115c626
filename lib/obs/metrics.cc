#include "obs/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace toolorch::obs {

namespace {

void atomic_add(std::atomic<double> &a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

const char *type_name(MetricKind k) {
  switch (k) {
    case MetricKind::kCounter: return "counter";
    case MetricKind::kGauge: return "gauge";
    case MetricKind::kHistogram: return "histogram";
  }
  return "untyped";
}

void append_help(std::string *out, const std::string &help) {
  for (char c : help) {
    if (c == '\\') out->append("\\\\");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

// {a="x",b="y"} plus an optional extra label (le), or nothing at all.
void append_labels(std::string *out, const std::vector<std::string> &names, const std::vector<std::string> &values,
                   const char *extra_name = nullptr, const std::string *extra_value = nullptr) {
  if (names.empty() && !extra_name) return;
  out->push_back('{');
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out->push_back(',');
    out->append(names[i]);
    out->append("=\"");
    append_label_value(out, values[i]);
    out->push_back('"');
  }
  if (extra_name) {
    if (!names.empty()) out->push_back(',');
    out->append(extra_name);
    out->append("=\"");
    out->append(*extra_value);
    out->push_back('"');
  }
  out->push_back('}');
}

}  // namespace

void Series::add(double v) { atomic_add(value_, v); }

void Series::observe(const std::vector<double> &bounds, double v) {
  // Bounds are few (about 16): a linear scan beats a binary search here.
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Family::Family(MetricKind kind, std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> bounds, size_t max_series)
    : kind_(kind),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      max_series_(max_series) {}

Series *Family::with(const std::vector<std::string> &values) {
  std::vector<std::string> key = values;
  key.resize(label_names_.size());
  std::lock_guard<std::mutex> lk(mu_);
  auto it = series_.find(key);
  if (it != series_.end()) return it->second.get();
  if (series_.size() >= max_series_) {
    // Bounded: every value of every label folds into "other".
    std::fill(key.begin(), key.end(), "other");
    it = series_.find(key);
    if (it != series_.end()) return it->second.get();
  }
  size_t nb = kind_ == MetricKind::kHistogram ? bounds_.size() + 1 : 0;
  auto s = std::make_unique<Series>(nb);
  Series *raw = s.get();
  series_.emplace(std::move(key), std::move(s));
  return raw;
}

void Family::render(std::string *out) const {
  out->append("# HELP ").append(name_).push_back(' ');
  append_help(out, help_);
  out->append("\n# TYPE ").append(name_).push_back(' ');
  out->append(type_name(kind_)).push_back('\n');
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto &[values, s] : series_) {
    if (kind_ != MetricKind::kHistogram) {
      out->append(name_);
      append_labels(out, label_names_, values);
      out->push_back(' ');
      append_number(out, s->value());
      out->push_back('\n');
      continue;
    }
    // Buckets are cumulative; read each once so the text is consistent
    // with itself (+Inf equals _count) even while observations go on.
    uint64_t cum = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cum += s->bucket(i);
      std::string le;
      if (i < bounds_.size()) append_number(&le, bounds_[i]);
      else le = "+Inf";
      out->append(name_).append("_bucket");
      append_labels(out, label_names_, values, "le", &le);
      out->push_back(' ');
      out->append(std::to_string(cum)).push_back('\n');
    }
    out->append(name_).append("_sum");
    append_labels(out, label_names_, values);
    out->push_back(' ');
    append_number(out, s->sum());
    out->push_back('\n');
    out->append(name_).append("_count");
    append_labels(out, label_names_, values);
    out->push_back(' ');
    out->append(std::to_string(cum)).push_back('\n');
  }
}

const std::vector<double> &Registry::duration_bounds() {
  static const std::vector<double> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,      2.5,   5,    10,    30,   60,  120};
  return kBounds;
}

Family *Registry::family(MetricKind kind, const std::string &name, const std::string &help,
                         const std::vector<std::string> &label_names, std::vector<double> bounds,
                         std::string *err) {
  auto fail = [err](std::string why) -> Family * {
    if (err) *err = std::move(why);
    return nullptr;
  };
  if (!valid_metric_name(name)) return fail("invalid metric name \"" + name + "\"");
  for (const std::string &l : label_names) {
    if (!valid_label_name(l) || (kind == MetricKind::kHistogram && l == "le"))
      return fail("invalid label name \"" + l + "\" for metric \"" + name + "\"");
    if (std::count(label_names.begin(), label_names.end(), l) > 1)
      return fail("label \"" + l + "\" given twice for metric \"" + name + "\"");
  }
  if (kind == MetricKind::kHistogram) {
    if (bounds.empty()) bounds = duration_bounds();
    for (size_t i = 0; i < bounds.size(); ++i)
      if (!std::isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
        return fail("the buckets of \"" + name + "\" must be finite and ascending");
  } else {
    bounds.clear();
  }
  std::lock_guard<std::mutex> lk(mu_);
  for (auto &f : families_) {
    // A histogram's _bucket/_sum/_count names belong to it as well.
    if (f->name() != name) continue;
    if (f->kind() == kind && f->label_names() == label_names) return f.get();
    return fail("metric \"" + name + "\" exists with another type or labels");
  }
  families_.push_back(std::make_unique<Family>(kind, name, help, label_names, std::move(bounds), kMaxSeries));
  return families_.back().get();
}

Family *Registry::find(const std::string &name) const {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto &f : families_)
    if (f->name() == name) return f.get();
  return nullptr;
}

std::string Registry::text() const {
  std::vector<Family *> all;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto &f : families_) all.push_back(f.get());
  }
  std::string out;
  out.reserve(all.size() * 256);
  for (Family *f : all) f->render(&out);
  return out;
}

bool valid_metric_name(const std::string &n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(const std::string &n) {
  if (n.empty() || n.compare(0, 2, "__") == 0) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void append_label_value(std::string *out, const std::string &value) {
  for (char c : value) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

void append_number(std::string *out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    // The shortest form that reads back exactly.
    for (int prec = 6; prec <= 17; ++prec) {
      std::snprintf(buf, sizeof buf, "%.*g", prec, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  }
  out->append(buf);
}

}  // namespace toolorch::obs
