#include "json/flat.h"

#include "json/json.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace toolorch::json {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Bytes that end a run of plain string text: '"', '\\' and control characters.
struct StopTable {
  bool stop[256] = {};
  constexpr StopTable() {
    for (int c = 0; c < 0x20; ++c) stop[c] = true;
    stop[static_cast<unsigned char>('"')] = true;
    stop[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr StopTable kStop;

// The first byte at or after p (before end) that ends a run of plain string
// text, or end: sixteen bytes at a time where SSE2 is there (always on
// x86-64), the rest a byte at a time.
const char *run_end(const char *p, const char *end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    // Control characters: v <= 0x1F unsigned, i.e. max(v, 0x1F) == 0x1F.
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                     _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !kStop.stop[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool FlatDoc::begin(std::string_view text, size_t max_bytes, int max_depth) {
  nodes_.clear();
  strings_.clear();
  if (text.size() > max_bytes || text.size() >= kInText) return false;
  text_ = p_ = text.data();
  end_ = p_ + text.size();
  max_depth_ = max_depth;
  return true;
}

bool FlatDoc::parse(std::string_view text, size_t max_bytes, int max_depth, const Keep *keep) {
  if (!begin(text, max_bytes, max_depth)) return false;
  head_end_ = 0;
  head_open_ = keep != nullptr;
  // The same head as the last document accepted with this Keep: reading it
  // again would end in the same state (an object, no member stored, after
  // the comma), so the reading starts there.
  const bool same_head = known_head(text, keep, max_depth) != 0;
  if (same_head) {
    nodes_.emplace_back();
    nodes_[0].type = Type::kObject;
    p_ += head_.size();
    head_end_ = head_.size();
    skip_space();
    if (!members(0, 0, keep)) return false;
  } else {
    Index root = kNone;
    skip_space();
    if (!value(0, &root, keep)) return false;
  }
  skip_space();
  if (p_ != end_) return false;
  if (keep && !same_head) {
    head_keep_ = keep;
    head_depth_ = max_depth;
    head_.assign(text.data(), head_end_);
  }
  return true;
}

size_t FlatDoc::known_head(std::string_view text, const Keep *keep, int max_depth) const {
  if (!keep || keep != head_keep_ || max_depth != head_depth_ || head_.empty() || text.size() <= head_.size() ||
      std::memcmp(text.data(), head_.data(), head_.size()) != 0)
    return 0;
  return head_.size();
}

int FlatDoc::match(std::string_view text, size_t max_bytes, int max_depth, const Keep *keep, const Shape *shapes,
                   size_t count, HoleValue *values) {
  nodes_.clear();
  if (text.size() > max_bytes || text.size() >= kInText) return -1;
  const size_t head = keep ? known_head(text, keep, max_depth) : 0;
  if (keep && head == 0) return -1;
  text_ = text.data();
  end_ = text_ + text.size();
  for (size_t s = 0; s < count; ++s) {
    p_ = text_ + head;
    strings_.clear();
    if (matches(shapes[s], values)) return static_cast<int>(s);
  }
  return -1;
}

bool FlatDoc::matches(const Shape &shape, HoleValue *values) {
  uint32_t offs[kMaxHoles], lens[kMaxHoles];
  size_t holes = 0;
  for (size_t i = 0; i < shape.count; ++i) {
    const ShapePart &part = shape.parts[i];
    const size_t n = part.literal.size();
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, part.literal.data(), n) != 0) return false;
    p_ += n;
    switch (part.hole) {
      case Hole::kEnd:
        if (p_ != end_) return false;
        // Views of strings_ only now: it may have grown while reading.
        for (size_t h = 0; h < holes; ++h)
          if (lens[h] != kNone) values[h].text = view(offs[h], lens[h]);
        return true;
      case Hole::kString:
        if (holes == kMaxHoles || p_ >= end_ || *p_ != '"' || !string<true>(&offs[holes], &lens[holes])) return false;
        values[holes++].number = 0;
        break;
      case Hole::kSmallInt: {
        if (holes == kMaxHoles) return false;
        const char *start = p_;
        int v = 0;
        while (p_ < end_ && is_digit(*p_) && p_ - start < 9) v = v * 10 + (*p_++ - '0');
        // An integer as number() reads one: one digit, or up to 9 without a
        // leading zero, and no fraction or exponent after them.
        if (p_ == start || (*start == '0' && p_ - start > 1) ||
            (p_ < end_ && (is_digit(*p_) || *p_ == '.' || *p_ == 'e' || *p_ == 'E')))
          return false;
        lens[holes] = kNone;
        values[holes].text = std::string_view();
        values[holes++].number = v;
        break;
      }
    }
  }
  return false;  // a shape without its end
}

void FlatDoc::skip_space() {
  while (p_ < end_ && is_space(*p_)) ++p_;
}

bool FlatDoc::literal(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
  p_ += word.size();
  return true;
}

bool FlatDoc::number(Node *n) {
  const char *start = p_;
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ >= end_ || !is_digit(*p_)) return false;
  if (*p_ == '0') {
    ++p_;
  } else {
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  const char *int_end = p_;
  bool plain = true;
  if (p_ < end_ && *p_ == '.') {
    plain = false;
    ++p_;
    if (p_ >= end_ || !is_digit(*p_)) return false;
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    plain = false;
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ >= end_ || !is_digit(*p_)) return false;
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  // cJSON reads a number through a 64-byte buffer: a longer one fails there.
  if (p_ - start > 63) return false;
  const char *digits = *start == '-' ? start + 1 : start;
  if (plain && int_end - digits <= 9) {
    int v = 0;
    for (const char *d = digits; d < int_end; ++d) v = v * 10 + (*d - '0');
    // "-0" is left to cJSON, whose double is negative zero (printed "-0").
    n->small_int = v != 0 || *start != '-';
    n->int_value = *start == '-' ? -v : v;
  }
  return true;
}

// At the opening quote. A string without escapes is a view of the text
// itself (most are); one with escapes is unescaped into strings_ (kStore)
// or only checked (a value that is not kept).
template <bool kStore>
bool FlatDoc::string(uint32_t *off, uint32_t *len) {
  ++p_;
  const char *run = p_;
  // The run up to the next quote, backslash or control character at once.
  p_ = run_end(p_, end_);
  if (p_ < end_ && *p_ == '"') {
    *off = kInText | static_cast<uint32_t>(run - text_);
    *len = static_cast<uint32_t>(p_ - run);
    ++p_;
    return true;
  }
  const size_t begin = strings_.size();
  if (kStore) strings_.append(run, static_cast<size_t>(p_ - run));
  for (;;) {
    if (p_ >= end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
    if (*p_ == '"') {
      ++p_;
      break;
    }
    if (++p_ >= end_) return false;  // after the backslash
    char e = *p_++;
    switch (e) {
      case '"': if (kStore) strings_ += '"'; break;
      case '\\': if (kStore) strings_ += '\\'; break;
      case '/': if (kStore) strings_ += '/'; break;
      case 'b': if (kStore) strings_ += '\b'; break;
      case 'f': if (kStore) strings_ += '\f'; break;
      case 'n': if (kStore) strings_ += '\n'; break;
      case 'r': if (kStore) strings_ += '\r'; break;
      case 't': if (kStore) strings_ += '\t'; break;
      case 'u': {
        if (end_ - p_ < 4) return false;
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i) {
          int h = hex_value(p_[i]);
          if (h < 0) return false;
          cp = cp * 16 + static_cast<unsigned>(h);
        }
        p_ += 4;
        // NUL ends a C string (cJSON's value would stop there) and surrogate
        // pairs are left to cJSON: both are read by the fallback.
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (!kStore) {
        } else if (cp < 0x80) {
          strings_ += static_cast<char>(cp);
        } else if (cp < 0x800) {
          strings_ += static_cast<char>(0xC0 | (cp >> 6));
          strings_ += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          strings_ += static_cast<char>(0xE0 | (cp >> 12));
          strings_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          strings_ += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: return false;
    }
    run = p_;
    p_ = run_end(p_, end_);
    if (kStore) strings_.append(run, static_cast<size_t>(p_ - run));
  }
  *off = static_cast<uint32_t>(begin);
  *len = static_cast<uint32_t>(strings_.size() - begin);
  return true;
}

bool FlatDoc::value(int depth, Index *out, const Keep *keep) {
  if (p_ >= end_) return false;
  const Index self = static_cast<Index>(nodes_.size());
  if (self >= kNone - 1) return false;
  nodes_.emplace_back();
  *out = self;
  const char c = *p_;
  switch (c) {
    case 'n': nodes_[self].type = Type::kNull; return literal("null");
    case 't': nodes_[self].type = Type::kTrue; return literal("true");
    case 'f': nodes_[self].type = Type::kFalse; return literal("false");
    case '"': {
      uint32_t off = 0, len = 0;
      if (!string<true>(&off, &len)) return false;
      nodes_[self].type = Type::kString;
      nodes_[self].off = off;
      nodes_[self].len = len;
      return true;
    }
    case '[':
    case '{': {
      if (depth + 1 > max_depth_) return false;
      nodes_[self].type = c == '{' ? Type::kObject : Type::kArray;
      ++p_;
      skip_space();
      return members(depth, self, keep);
    }
    default:
      nodes_[self].type = Type::kNumber;
      return number(&nodes_[self]);
  }
}

const FlatDoc::Keep *FlatDoc::find(const Keep *keep, std::string_view key, bool *found) {
  for (size_t i = 0; i < keep->count; ++i) {
    if (keep->members[i].key == key) {
      *found = true;
      return keep->members[i].keep;
    }
  }
  *found = false;
  return nullptr;
}

// After the opening bracket and the space after it, or after a comma and
// the space after it (a head read before, see parse).
bool FlatDoc::members(int depth, Index self, const Keep *keep) {
  const bool object = nodes_[self].type == Type::kObject;
  const bool top = self == 0 && object;
  if (p_ < end_ && *p_ == (object ? '}' : ']') && (!top || head_end_ == 0)) {
    ++p_;
    return true;
  }
  Index prev = kNone;
  for (;;) {
    uint32_t key_off = 0, key_len = 0;
    const Keep *inner = keep;
    bool kept = true;
    if (object) {
      const size_t strings_before = strings_.size();
      if (p_ >= end_ || *p_ != '"' || !string<true>(&key_off, &key_len)) return false;
      if (keep) {
        inner = find(keep, view(key_off, key_len), &kept);
        if (!kept && strings_.size() != strings_before) strings_.resize(strings_before);
      }
      skip_space();
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      skip_space();
    }
    if (kept) {
      Index child = kNone;
      if (!value(depth + 1, &child, inner)) return false;
      nodes_[child].key_off = key_off;
      nodes_[child].key_len = key_len;
      if (prev == kNone) nodes_[self].child = child;
      else nodes_[prev].next = child;
      prev = child;
      if (top) head_open_ = false;
    } else if (!skip_value(depth + 1)) {
      return false;
    }
    skip_space();
    if (p_ >= end_) return false;
    if (*p_ == ',') {
      ++p_;
      if (top && head_open_) head_end_ = static_cast<size_t>(p_ - text_);
      skip_space();
      continue;
    }
    if (*p_ != (object ? '}' : ']')) return false;
    ++p_;
    return true;
  }
}

bool FlatDoc::skip_value(int depth) {
  if (p_ >= end_) return false;
  uint32_t off = 0, len = 0;
  switch (*p_) {
    case 'n': return literal("null");
    case 't': return literal("true");
    case 'f': return literal("false");
    case '"': return string<false>(&off, &len);
    case '[':
    case '{': {
      const bool object = *p_ == '{';
      if (depth + 1 > max_depth_) return false;
      ++p_;
      skip_space();
      if (p_ < end_ && *p_ == (object ? '}' : ']')) {
        ++p_;
        return true;
      }
      for (;;) {
        if (object) {
          if (p_ >= end_ || *p_ != '"' || !string<false>(&off, &len)) return false;
          skip_space();
          if (p_ >= end_ || *p_ != ':') return false;
          ++p_;
          skip_space();
        }
        if (!skip_value(depth + 1)) return false;
        skip_space();
        if (p_ >= end_) return false;
        if (*p_ == ',') {
          ++p_;
          skip_space();
          continue;
        }
        if (*p_ != (object ? '}' : ']')) return false;
        ++p_;
        return true;
      }
    }
    default: {
      Node n;
      return number(&n);
    }
  }
}

bool FlatDoc::check(std::string_view text, size_t max_bytes, int max_depth, Type *top) {
  if (!begin(text, max_bytes, max_depth)) return false;
  skip_space();
  if (top && p_ < end_) {
    switch (*p_) {
      case '{': *top = Type::kObject; break;
      case '[': *top = Type::kArray; break;
      case '"': *top = Type::kString; break;
      case 'n': *top = Type::kNull; break;
      case 't': *top = Type::kTrue; break;
      case 'f': *top = Type::kFalse; break;
      default: *top = Type::kNumber; break;
    }
  }
  // value(0) and skip_value(0) accept the same texts (the same depth rule).
  if (!skip_value(0)) return false;
  skip_space();
  return p_ == end_;
}

FlatDoc::Index FlatDoc::get(Index n, std::string_view key) const {
  if (!is(n, Type::kObject)) return kNone;
  for (Index c = nodes_[n].child; c != kNone; c = nodes_[c].next)
    if (this->key(c) == key) return c;
  return kNone;
}

void FlatDoc::trim() {
  constexpr size_t kKeepNodes = 1024, kKeepBytes = 16 << 10;
  if (nodes_.capacity() > kKeepNodes) std::vector<Node>().swap(nodes_);
  if (strings_.capacity() > kKeepBytes) std::string().swap(strings_);
  nodes_.clear();
  strings_.clear();
}

bool FlatDoc::append_printed(Index n, std::string *out) const {
  switch (type(n)) {
    case Type::kNull: *out += "null"; return true;
    case Type::kFalse: *out += "false"; return true;
    case Type::kTrue: *out += "true"; return true;
    case Type::kString: append_cstring(out, text(n)); return true;  // no NUL: refused by parse
    case Type::kNumber: {
      // cJSON prints an integral double as "%d" of its valueint ("-0" as 0).
      int v = 0;
      if (!small_int(n, &v)) return false;
      *out += std::to_string(v);
      return true;
    }
    case Type::kArray:
    case Type::kObject: {
      const bool object = type(n) == Type::kObject;
      *out += object ? '{' : '[';
      for (Index c = first_child(n); c != kNone; c = next(c)) {
        if (c != first_child(n)) *out += ',';
        if (object) {
          append_cstring(out, key(c));
          *out += ':';
        }
        if (!append_printed(c, out)) return false;
      }
      *out += object ? '}' : ']';
      return true;
    }
  }
  return false;
}

bool FlatDoc::small_int(Index n, int *out) const {
  if (!is(n, Type::kNumber) || !nodes_[n].small_int) return false;
  *out = nodes_[n].int_value;
  return true;
}

}  // namespace toolorch::json
