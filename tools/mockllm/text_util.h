// Small text helpers for the scripted LLM server: JSON string literals built
// by hand (the SSE events are written field by field, in the providers'
// order) and UTF-8-safe splitting of text into stream pieces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace toolorch::mockllm {

// Appends s as a JSON string literal (with the quotes) to *out.
void append_json_string(std::string *out, std::string_view s);
std::string json_string(std::string_view s);

// Splits s into pieces of at most max_bytes, never inside a UTF-8 sequence.
// When s has at least min_pieces characters it yields at least min_pieces
// pieces (so a short argument document still arrives in parts).
std::vector<std::string> split_pieces(std::string_view s, size_t max_bytes, size_t min_pieces);

// Replaces every occurrence of `from` in *s by `to`.
void replace_all(std::string *s, std::string_view from, std::string_view to);

}  // namespace toolorch::mockllm
