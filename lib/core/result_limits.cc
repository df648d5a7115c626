#include "core/result_limits.h"

namespace toolorch::core {
namespace {

void keep_with_marker(std::string *text, int64_t cap, const std::string &marker) {
  size_t c = cap > 0 ? static_cast<size_t>(cap) : 0;
  size_t keep = c > marker.size() ? c - marker.size() : 0;
  text->resize(keep);
  text->append(marker, 0, c > keep ? c - keep : 0);
  text->shrink_to_fit();
}

}  // namespace

bool truncate_result(std::string *text, int64_t cap, int64_t total) {
  if (cap < 0 || static_cast<int64_t>(text->size()) <= cap) return false;
  std::string c = std::to_string(cap);
  // The marker's own length decides how much is kept: compute it with the
  // kept count's width at its largest (cap), then fill in the real count.
  auto marker = [&](size_t kept) {
    std::string m = "\n[toolorch: result truncated at max_result_bytes (" + c + "): the first " +
                    std::to_string(kept) + " bytes of ";
    m += total >= 0 ? std::to_string(total) + " bytes kept]" : "more than " + c + " bytes kept]";
    return m;
  };
  size_t width_max = marker(static_cast<size_t>(cap)).size();
  size_t kept = static_cast<size_t>(cap) > width_max ? static_cast<size_t>(cap) - width_max : 0;
  keep_with_marker(text, cap, marker(kept));
  return true;
}

bool cut_for_model(std::string *text, int64_t cap, const std::string &call_id) {
  if (cap <= 0 || static_cast<int64_t>(text->size()) <= cap) return false;
  std::string total = std::to_string(text->size());
  auto note = [&](size_t kept) {
    return "\n[toolorch: this result was cut for the model: you see the first " + std::to_string(kept) + " of " +
           total + " bytes; the application has the whole result (call " + call_id +
           "): ask it, or a narrower tool call, for the rest]";
  };
  size_t width_max = note(static_cast<size_t>(cap)).size();
  size_t kept = static_cast<size_t>(cap) > width_max ? static_cast<size_t>(cap) - width_max : 0;
  keep_with_marker(text, cap, note(kept));
  return true;
}

}  // namespace toolorch::core
