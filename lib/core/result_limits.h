// The size policy of tool results (options max_result_bytes,
// max_result_policy, max_result_bytes_to_model): the markers put where bytes
// were cut, in one place, so every runner and the job say it the same way.
#pragma once

#include <cstdint>
#include <string>

namespace toolorch::core {

// Cut *text to at most cap bytes, the marker included (a cap smaller than
// the marker keeps only the marker's start). total: the size the tool
// produced, or -1 when the runner stopped reading past cap (then the marker
// says "more than"). Returns false if *text was within cap (unchanged).
bool truncate_result(std::string *text, int64_t cap, int64_t total = -1);

// What the model gets of a result over max_result_bytes_to_model: the
// first bytes, then a note saying how much was cut and that the host has
// the whole result (the call's CALL_RESULT event). The note is included in
// cap when cap leaves room for it. Returns false if within cap.
bool cut_for_model(std::string *text, int64_t cap, const std::string &call_id);

}  // namespace toolorch::core
