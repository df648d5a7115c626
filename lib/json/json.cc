#include "json/json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace toolorch::json {

int nesting_depth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[': case '{': max_depth = std::max(max_depth, ++depth); break;
      case ']': case '}': --depth; break;
      default: break;
    }
  }
  return max_depth;
}

namespace {

// Text cannot nest deeper than it has opening brackets: counting them with
// memchr (vectorized in libc) spares the exact scan, which must follow
// strings byte by byte, for nearly every document (a stream chunk has a
// handful). Stops counting once past the limit.
size_t count_up_to(std::string_view text, char c, size_t limit) {
  size_t n = 0;
  const char *p = text.data(), *end = p + text.size();
  while (n <= limit && (p = static_cast<const char *>(std::memchr(p, c, static_cast<size_t>(end - p)))) != nullptr) {
    ++n;
    ++p;
  }
  return n;
}

bool may_nest_deeper(std::string_view text, int max_depth) {
  const size_t limit = static_cast<size_t>(max_depth < 0 ? 0 : max_depth);
  const size_t braces = count_up_to(text, '{', limit);
  return braces > limit || braces + count_up_to(text, '[', limit - braces) > limit;
}

// "byte N (line L, column C)", lines and columns from 1, columns in bytes.
std::string place(std::string_view text, size_t off) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < off && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "byte " + std::to_string(off) + " (line " + std::to_string(line) + ", column " + std::to_string(col) + ")";
}

// The JSON path of the first key found twice in one object, "" if none.
std::string duplicate_key_path(const cJSON *v, const std::string &path) {
  if (cJSON_IsObject(v)) {
    std::vector<std::string_view> keys;
    for (const cJSON *c = v->child; c; c = c->next) keys.emplace_back(c->string ? c->string : "");
    std::vector<std::string_view> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) return path + "." + std::string(*dup);
    for (const cJSON *c = v->child; c; c = c->next) {
      std::string p = duplicate_key_path(c, path + "." + (c->string ? c->string : ""));
      if (!p.empty()) return p;
    }
  } else if (cJSON_IsArray(v)) {
    int i = 0;
    for (const cJSON *c = v->child; c; c = c->next, ++i) {
      std::string p = duplicate_key_path(c, path + "[" + std::to_string(i) + "]");
      if (!p.empty()) return p;
    }
  }
  return "";
}

}  // namespace

Ptr parse(std::string_view text, const Limits &limits, std::string *err, ParseError *why) {
  auto fail = [&](ParseError w, std::string msg) {
    if (why) *why = w;
    if (err) *err = std::move(msg);
    return Ptr();
  };
  if (why) *why = ParseError::kNone;
  if (text.size() > limits.max_bytes)
    return fail(ParseError::kTooBig, "JSON document of " + std::to_string(text.size()) +
                                         " bytes exceeds the limit of " +
                                         std::to_string(limits.max_bytes));
  if (may_nest_deeper(text, limits.max_depth) && nesting_depth(text) > limits.max_depth)
    return fail(ParseError::kTooDeep,
                "JSON nesting exceeds the depth limit of " + std::to_string(limits.max_depth));
  const char *end = nullptr;
  cJSON *v = cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false);
  if (!v) {
    size_t off = end ? static_cast<size_t>(end - text.data()) : 0;
    if (off > text.size()) off = text.size();
    return fail(ParseError::kSyntax, text.empty() ? std::string("empty text is not JSON")
                                                  : "invalid JSON at " + place(text, off));
  }
  // Only white space may follow the value.
  size_t off = static_cast<size_t>(end - text.data());
  for (; off < text.size(); ++off) {
    char c = text[off];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      cJSON_Delete(v);
      return fail(ParseError::kSyntax, "trailing characters after JSON at " + place(text, off));
    }
  }
  if (limits.unique_keys) {
    std::string dup = duplicate_key_path(v, "$");
    if (!dup.empty()) {
      cJSON_Delete(v);
      return fail(ParseError::kDuplicateKey, "duplicate key at " + dup);
    }
  }
  return Ptr(v);
}

Ptr parse(std::string_view text, std::string *err) { return parse(text, Limits{}, err); }

std::string print(const cJSON *v) {
  if (!v) return "";
  char *s = cJSON_PrintUnformatted(v);
  if (!s) return "";
  std::string out(s);
  cJSON_free(s);
  return out;
}

namespace {
void canonical_into(const cJSON *v, std::string *out) {
  if (cJSON_IsObject(v)) {
    std::vector<const cJSON *> kids;
    for (const cJSON *c = v->child; c; c = c->next) kids.push_back(c);
    std::stable_sort(kids.begin(), kids.end(), [](const cJSON *a, const cJSON *b) {
      return std::string_view(a->string ? a->string : "") < std::string_view(b->string ? b->string : "");
    });
    out->push_back('{');
    bool first = true;
    for (const cJSON *c : kids) {
      if (!first) out->push_back(',');
      first = false;
      *out += quote(c->string ? c->string : "");
      out->push_back(':');
      canonical_into(c, out);
    }
    out->push_back('}');
  } else if (cJSON_IsArray(v)) {
    out->push_back('[');
    bool first = true;
    for (const cJSON *c = v->child; c; c = c->next) {
      if (!first) out->push_back(',');
      first = false;
      canonical_into(c, out);
    }
    out->push_back(']');
  } else {
    // Scalars print the same whatever their place; cJSON needs a detached copy.
    cJSON *copy = cJSON_Duplicate(v, false);
    *out += print(copy);
    cJSON_Delete(copy);
  }
}
}  // namespace

std::string canonical(const cJSON *v) {
  std::string out;
  if (v) canonical_into(v, &out);
  return out;
}

bool canonicalize(std::string_view text, std::string *out) {
  Ptr v = parse(text);
  if (!v) return false;
  *out = canonical(v.get());
  return true;
}

const char *get_string(const cJSON *obj, const char *key, const char *fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : fallback;
}

double get_number(const cJSON *obj, const char *key, double fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

int64_t clamp_to_int64(double d, int64_t lo, int64_t hi) {
  if (std::isnan(d)) return lo;
  // Compared as doubles first: double(INT64_MAX) is 2^63, one past the range.
  if (d <= static_cast<double>(lo)) return lo;
  if (d >= static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(d);
}

bool is_int_in(double d, int64_t lo, int64_t hi) {
  if (!std::isfinite(d) || d != std::floor(d)) return false;
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) return false;
  // At the top, double(hi) may round up past hi (2^63 for INT64_MAX).
  if (d >= 9223372036854775808.0) return false;
  int64_t v = static_cast<int64_t>(d);
  return v >= lo && v <= hi;
}

int64_t get_count(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? clamp_to_int64(v->valuedouble, 0) : 0;
}

int64_t add_counts(int64_t a, int64_t b) { return b > INT64_MAX - a ? INT64_MAX : a + b; }

namespace {

// The length of the valid UTF-8 sequence at s[i], or 0 if none starts there
// (the Unicode "well-formed byte sequences" table).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0x100u; };
  unsigned c = byte(i);
  if (c < 0x80) return 1;
  unsigned lo = 0x80, hi = 0xBF;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;       // no overlong forms
    else if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;       // no overlong forms
    else if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  unsigned b = byte(i + 1);
  if (b < lo || b > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    b = byte(i + k);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

// How many bytes of an invalid sequence at s[i] make one maximal invalid
// subpart (they become one U+FFFD): the lead byte and the continuation
// bytes that were still acceptable after it.
size_t invalid_subpart(std::string_view s, size_t i) {
  unsigned c = static_cast<unsigned char>(s[i]);
  unsigned lo = 0x80, hi = 0xBF;
  size_t n = 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
  }
  size_t k = 1;
  for (; k < n && i + k < s.size(); ++k) {
    unsigned b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
  }
  return k;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  size_t i = 0;
  // Valid text (the usual case) is copied once, without building anything.
  while (i < s.size()) {
    size_t n = utf8_sequence(s, i);
    if (!n) break;
    i += n;
  }
  if (i == s.size()) return std::string(s);
  out.reserve(s.size() + 16);
  out.append(s.data(), i);
  while (i < s.size()) {
    size_t n = utf8_sequence(s, i);
    if (n) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += invalid_subpart(s, i);
    }
  }
  return out;
}

bool get_bool(const cJSON *obj, const char *key, bool fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsBool(v) ? cJSON_IsTrue(v) : fallback;
}

namespace {

// The escape of one byte that JSON strings must escape (a control, '"' or
// '\\'), as cJSON writes it, at p: its length (2 or 6).
size_t write_escape(unsigned char c, char *p) {
  static const char hex[] = "0123456789abcdef";
  p[0] = '\\';
  switch (c) {
    case '"': p[1] = '"'; return 2;
    case '\\': p[1] = '\\'; return 2;
    case '\n': p[1] = 'n'; return 2;
    case '\r': p[1] = 'r'; return 2;
    case '\t': p[1] = 't'; return 2;
    case '\b': p[1] = 'b'; return 2;
    case '\f': p[1] = 'f'; return 2;
    default:
      std::memcpy(p + 1, "u00", 3);
      p[4] = hex[c >> 4];
      p[5] = hex[c & 15];
      return 6;
  }
}

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of the 8 bytes in w needs an escape (needs_escape), tested a
// word at a time: a byte below 0x20, a '"' or a '\\' (each test exact for
// "any byte": borrows start only at a byte that matches).
bool word_needs_escape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

// The bytes an escape adds to c, which needs one.
size_t escape_extra(unsigned char c) {
  return c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f' ? 1 : 5;
}

// The length of s quoted: sixteen bytes at a time where SSE2 is there
// (always on x86-64), a byte at a time for the rest and for the control
// characters (rare) a block has.
size_t quoted_size(std::string_view s) {
  const unsigned char *in = reinterpret_cast<const unsigned char *>(s.data());
  const size_t len = s.size();
  size_t n = len + 2, i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
  for (; i + 16 <= len; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
    const unsigned simple =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    unsigned controls = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl)));
    n += static_cast<size_t>(__builtin_popcount(simple));
    for (; controls != 0; controls &= controls - 1) n += escape_extra(in[i + static_cast<size_t>(__builtin_ctz(controls))]);
  }
#endif
  for (; i < len; ++i)
    if (needs_escape(in[i])) n += escape_extra(in[i]);
  return n;
}

}  // namespace

char *write_quoted(char *p, std::string_view s) {
  auto put = [&p](char c) {
    if (!needs_escape(static_cast<unsigned char>(c))) *p++ = c;
    else p += write_escape(static_cast<unsigned char>(c), p);
  };
  *p++ = '"';
  const char *in = s.data();
  size_t n = s.size(), i = 0;
  if (n >= 2 && n < 8) {
    // Short text (a tool's name, a status): its bytes in one word padded
    // with spaces, tested and stored at once (8 bytes stored, n kept: the
    // room of 2 + 6 * n bytes holds them from n = 2).
    char word[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    for (size_t k = 0; k < n; ++k) word[k] = in[k];
    uint64_t w;
    std::memcpy(&w, word, 8);
    if (!word_needs_escape(w)) {
      std::memcpy(p, word, 8);
      p += n;
      *p++ = '"';
      return p;
    }
  }
  // Eight bytes at a time while none needs an escape (most text), a byte at
  // a time through a word that has one. The last few bytes: the word that
  // ends the text, overlapping bytes already copied as they are, or a byte
  // at a time.
  bool copied = false;  // the last word went out as it was
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, in + i, 8);
    copied = !word_needs_escape(w);
    if (copied) {
      std::memcpy(p, &w, 8);
      p += 8;
    } else {
      for (size_t k = 0; k < 8; ++k) put(in[i + k]);
    }
    i += 8;
  }
  if (i < n && copied) {
    uint64_t w;
    std::memcpy(&w, in + n - 8, 8);
    if (!word_needs_escape(w)) {
      std::memcpy(p - (i - (n - 8)), &w, 8);
      p += n - i;
      i = n;
    }
  }
  for (; i < n; ++i) put(in[i]);
  *p++ = '"';
  return p;
}

void append_quoted(std::string *out, std::string_view s) {
  // Measured first, then written in place: one growth of the string, no
  // append call per escape (JSON text quoted into a string has many).
  const size_t n = quoted_size(s);
  const size_t at = out->size();
  out->resize(at + n);
  char *p = &(*out)[at];
  if (n == s.size() + 2) {
    p[0] = '"';
    if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
    p[n - 1] = '"';
  } else {
    write_quoted(p, s);
  }
}

void append_cstring(std::string *out, std::string_view s) {
  const size_t nul = s.find('\0');
  append_quoted(out, nul == std::string_view::npos ? s : s.substr(0, nul));
}

std::string quote(std::string_view s) {
  std::string out;
  append_quoted(&out, s);
  return out;
}

namespace {
// Optimal string alignment distance, letters compared without case.
size_t edit_distance(std::string_view a, std::string_view b) {
  auto low = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}
}  // namespace

std::string did_you_mean(std::string_view key, const std::vector<std::string> &known) {
  if (key.empty() || key.size() > 64) return "";  // nobody mistypes that much
  std::string best;
  size_t best_d = 0;
  for (const std::string &k : known) {
    if (k == key || k == "comment") continue;
    size_t d = edit_distance(key, k);
    size_t longest = std::max(key.size(), k.size());
    bool affix = key.size() >= 3 && k.size() > key.size() &&
                 (k.compare(0, key.size(), key) == 0 || k.compare(k.size() - key.size(), key.size(), key) == 0);
    if (d > std::max<size_t>(1, longest / 3) && !affix) continue;
    if (affix && d > 2) d = 2;
    if (best.empty() || d < best_d) {
      best = k;
      best_d = d;
    }
  }
  return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

}  // namespace toolorch::json
