// A metrics registry and its Prometheus text exposition (format 0.0.4).
// Families have fixed label names; a series is found by its label values.
// Label sets stay bounded: a family takes at most `max_series` series, past
// that (and for values its owner folds) the values become "other".
// Updates are relaxed atomics, from any thread; rendering takes the
// registry's lock only to walk the families, never a series' value.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace toolorch::obs {

enum class MetricKind { kCounter = 0, kGauge = 1, kHistogram = 2 };

// One series: a counter or gauge value, or a histogram's buckets.
class Series {
 public:
  explicit Series(size_t buckets) : buckets_(buckets) {}
  void add(double v);  // counter, gauge
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }
  // Histogram: bounds are the family's (upper bounds, ascending).
  void observe(const std::vector<double> &bounds, double v);
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }  // not cumulative
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
  std::vector<std::atomic<uint64_t>> buckets_;  // one per bound, plus +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

class Family {
 public:
  Family(MetricKind kind, std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds, size_t max_series);
  // The series of these label values (as many as label names), made on
  // first use; past max_series, the "other" series. Never null.
  Series *with(const std::vector<std::string> &values);
  Series *with() { return with(std::vector<std::string>{}); }
  Series *with(const std::string &v) { return with(std::vector<std::string>{v}); }
  void observe(Series *s, double v) { s->observe(bounds_, v); }

  MetricKind kind() const { return kind_; }
  const std::string &name() const { return name_; }
  const std::vector<std::string> &label_names() const { return label_names_; }
  const std::vector<double> &bounds() const { return bounds_; }
  void render(std::string *out) const;

 private:
  MetricKind kind_;
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  size_t max_series_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;  // guarded by mu_
};

class Registry {
 public:
  // Default upper bounds for durations, in seconds (1 ms to 2 min).
  static const std::vector<double> &duration_bounds();
  static constexpr size_t kMaxSeries = 1000;

  // A new family, or the existing one of that name if it has the same
  // kind and label names; nullptr and *err when the name is taken otherwise
  // or is not a valid metric name, or a label name is invalid.
  Family *family(MetricKind kind, const std::string &name, const std::string &help,
                 const std::vector<std::string> &label_names, std::vector<double> bounds = {},
                 std::string *err = nullptr);
  Family *find(const std::string &name) const;
  // The exposition text of every family, in registration order.
  std::string text() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // guarded by mu_; never shrinks
};

// Prometheus rules: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__".
bool valid_metric_name(const std::string &name);
bool valid_label_name(const std::string &name);
// A label value escaped for the text format: \\, \" and \n.
void append_label_value(std::string *out, const std::string &value);
// A number as the text format writes it (+Inf, -Inf, NaN, shortest exact form).
void append_number(std::string *out, double v);

}  // namespace toolorch::obs
