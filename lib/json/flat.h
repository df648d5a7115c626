// A JSON reader for hot paths (a stream chunk per SSE event): one document
// parsed into arrays it keeps and reuses, so reading a chunk allocates
// nothing once they have grown, where cJSON allocates every value, key and
// string of it.
//
// It reads strict RFC 8259 JSON only, and refuses (parse() is false) what it
// cannot read exactly as json::parse + cJSON would: control characters or
// \u0000 in strings, surrogate escapes, white space other than the four of
// JSON, and documents past its limits. A refusal is not an error: the
// caller reads the text again with json::parse, which accepts or reports it
// as it always did. So a reader built on both behaves as json::parse alone.
//
// A parse may be told what to keep (a Keep: the members a decoder reads):
// the rest is read and checked as strictly, byte for byte (the same texts
// are accepted and refused), but not stored. A document that begins with
// the same bytes as the last one accepted with that Keep, up to a member of
// its top object that was all skipped, is read from there on: a stream's
// chunks repeat their head ("id", "model", ...) in every chunk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace toolorch::json {

class FlatDoc {
 public:
  enum class Type : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };
  using Index = uint32_t;
  static constexpr Index kNone = 0xFFFFFFFFu;  // no node

  // What a parse keeps of a value: of an object, the members named (each
  // kept as its own Keep says; nullptr: the whole value) and no other; of an
  // array, every element, each kept as this Keep says. Scalars are kept.
  struct Keep;
  struct Member {
    std::string_view key;
    const Keep *keep;  // nullptr: the whole value
  };
  struct Keep {
    const Member *members;
    size_t count;
  };

  // True if text is one JSON value (white space around it allowed) within
  // max_bytes and max_depth that this reader reads exactly as cJSON does.
  // With keep, only what it names is stored (get() finds no other member);
  // whether the text is accepted does not depend on keep.
  bool parse(std::string_view text, size_t max_bytes, int max_depth, const Keep *keep = nullptr);

  // Whether parse() would accept text, found without storing anything:
  // every byte is checked as parse() checks the members a Keep leaves out.
  // *top (if given) is the type of the value. The document is empty after.
  bool check(std::string_view text, size_t max_bytes, int max_depth, Type *top = nullptr);

  Index root() const { return 0; }
  // Every accessor takes kNone too (a member that is not there): the type
  // is kNull, there are no children and the text is "".
  Type type(Index n) const { return n == kNone ? Type::kNull : nodes_[n].type; }
  bool is(Index n, Type t) const { return n != kNone && nodes_[n].type == t; }
  // An object's member by key, the first if it is there twice (as cJSON's
  // lookup); kNone if absent or n is not an object.
  Index get(Index n, std::string_view key) const;
  // Children of an array or object, in order: first_child, then next.
  Index first_child(Index n) const { return n == kNone ? kNone : nodes_[n].child; }
  Index next(Index n) const { return n == kNone ? kNone : nodes_[n].next; }
  std::string_view key(Index n) const { return n == kNone ? std::string_view() : view(nodes_[n].key_off, nodes_[n].key_len); }
  // A string's value, unescaped ("" for other types). Views of key() and
  // text() are valid while this document and the text it parsed live (a
  // string without escapes is a view of that text).
  std::string_view text(Index n) const { return n == kNone ? std::string_view() : view(nodes_[n].off, nodes_[n].len); }
  // A number written as an integer of at most 9 digits (not "-0"): its value.
  bool small_int(Index n, int *out) const;

  // Appends the compact text cJSON prints for value n (json::print of
  // json::parse of the same text), byte for byte. False when it cannot be
  // sure of that (a number other than a small integer: cJSON prints its
  // double); *out may then hold part of it.
  bool append_printed(Index n, std::string *out) const;

  // A document of a fixed shape read in one pass, for a stream whose chunks
  // mostly take one of a few shapes (tool call pieces): with keep, the head
  // of the last document accepted with keep (see parse), without, nothing;
  // then a shape's parts, each its literal bytes followed by a hole: a JSON
  // string (read and checked as parse reads one, its value unescaped), a
  // non-negative integer of at most 9 digits without a leading zero, or the
  // end of the text (the last part). Whoever writes a shape makes sure that a text
  // that matches it is a document parse() accepts with keep and max_depth,
  // the holes' values being what it reads in the members they stand in
  // (its tests check that); match accepts nothing else, so a text that
  // matches is one parse accepts. A shape has at most kMaxHoles holes.
  enum class Hole : uint8_t { kEnd, kString, kSmallInt };
  struct ShapePart {
    std::string_view literal;
    Hole hole;
  };
  struct Shape {
    const ShapePart *parts;
    size_t count;
  };
  struct HoleValue {
    std::string_view text;  // a string's value (valid while this reader and the text live)
    int number = 0;         // an integer's value
  };
  static constexpr size_t kMaxHoles = 8;
  // The first of shapes that text matches (values: its holes in order), or
  // -1. The document parse() read before is gone either way.
  int match(std::string_view text, size_t max_bytes, int max_depth, const Keep *keep, const Shape *shapes,
            size_t count, HoleValue *values);

  // Lets go of arrays a large document grew (kept ones stay small): for a
  // reader kept for a long time, after a use. The document is gone.
  void trim();

 private:
  struct Node {
    Type type = Type::kNull;
    bool small_int = false;
    Index child = kNone, next = kNone;
    uint32_t key_off = 0, key_len = 0, off = 0, len = 0;
    int int_value = 0;
  };
  static constexpr uint32_t kInText = 0x80000000u;  // an offset into the parsed text, not strings_
  std::string_view view(uint32_t off, uint32_t len) const {
    if (off & kInText) return std::string_view(text_ + (off & ~kInText), len);
    return std::string_view(strings_).substr(off, len);
  }
  // The length of the head of the last document accepted with keep and
  // max_depth that text begins with (more follows it), or 0.
  size_t known_head(std::string_view text, const Keep *keep, int max_depth) const;
  // Empties the document and points the reader at text's first byte;
  // false if text is longer than max_bytes (or than an offset can say).
  bool begin(std::string_view text, size_t max_bytes, int max_depth);
  bool matches(const Shape &shape, HoleValue *values);
  bool value(int depth, Index *out, const Keep *keep);
  // From the first key of an object's members (or the end of the object).
  bool members(int depth, Index self, const Keep *keep);
  // A value read and checked as value() does, stored nowhere.
  bool skip_value(int depth);
  static const Keep *find(const Keep *keep, std::string_view key, bool *found);
  template <bool kStore>
  bool string(uint32_t *off, uint32_t *len);
  bool number(Node *n);
  bool literal(std::string_view word);
  void skip_space();

  std::vector<Node> nodes_;
  std::string strings_;  // the keys and string values that had escapes, unescaped, end to end
  const char *text_ = nullptr, *p_ = nullptr, *end_ = nullptr;
  int max_depth_ = 0;
  // The head of the last document accepted with a Keep: its bytes up to
  // and including the comma after the last of its first members, all
  // skipped (see parse). head_end_ is where the current parse's head ends.
  std::string head_;
  const Keep *head_keep_ = nullptr;
  int head_depth_ = 0;
  size_t head_end_ = 0;
  bool head_open_ = false;  // the current parse has stored no member of its top object yet
};

}  // namespace toolorch::json
