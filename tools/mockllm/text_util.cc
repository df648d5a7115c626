#include "mockllm/text_util.h"

#include <algorithm>

namespace toolorch::mockllm {

void append_json_string(std::string *out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

std::string json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(&out, s);
  return out;
}

namespace {
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::vector<std::string> split_pieces(std::string_view s, size_t max_bytes, size_t min_pieces) {
  std::vector<std::string> pieces;
  if (s.empty()) return pieces;
  size_t target = std::max<size_t>(1, max_bytes);
  if (min_pieces > 1) target = std::min(target, std::max<size_t>(1, (s.size() + min_pieces - 1) / min_pieces));
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = std::min(s.size(), pos + target);
    // Back off to a character boundary; a character wider than the target
    // goes whole into its piece.
    while (end < s.size() && end > pos && is_continuation(s[end])) --end;
    if (end == pos) {
      end = pos + 1;
      while (end < s.size() && is_continuation(s[end])) ++end;
    }
    pieces.emplace_back(s.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

void replace_all(std::string *s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  size_t pos = 0;
  while ((pos = s->find(from, pos)) != std::string::npos) {
    s->replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace toolorch::mockllm
