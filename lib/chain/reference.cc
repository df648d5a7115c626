#include "chain/reference.h"

#include "json/pointer.h"

#include <cstring>

namespace toolorch::chain {

bool valid_step_name(std::string_view name) {
  if (name.empty() || name == "input" || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

bool parse_string(std::string_view s, std::vector<Piece> *out, std::string *err) {
  out->clear();
  std::string lit;
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 3, "$${") == 0) {
      lit += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      lit.push_back(s[i++]);
      continue;
    }
    size_t close = s.find('}', i + 2);
    if (close == std::string_view::npos) {
      *err = "unterminated reference \"" + std::string(s.substr(i)) + "\" (no closing '}')";
      return false;
    }
    std::string_view body = s.substr(i + 2, close - i - 2);
    Ref ref;
    ref.text = std::string(s.substr(i, close - i + 1));
    size_t hash = body.find('#');
    ref.name = std::string(body.substr(0, hash));
    if (hash != std::string_view::npos) {
      ref.has_pointer = true;
      ref.pointer = std::string(body.substr(hash + 1));
    }
    if (ref.name != "input" && !valid_step_name(ref.name)) {
      *err = "reference " + ref.text + ": \"" + ref.name +
             "\" is not a step name (letters, digits, '_', '-', '.') nor \"input\"";
      return false;
    }
    std::string perr;
    if (ref.has_pointer && !json::pointer_valid(ref.pointer, &perr)) {
      *err = "reference " + ref.text + ": " + perr;
      return false;
    }
    if (!lit.empty()) {
      Piece p;
      p.text = std::move(lit);
      out->push_back(std::move(p));
      lit.clear();
    }
    Piece p;
    p.is_ref = true;
    p.ref = std::move(ref);
    out->push_back(std::move(p));
    i = close + 1;
  }
  if (!lit.empty()) {
    Piece p;
    p.text = std::move(lit);
    out->push_back(std::move(p));
  }
  return true;
}

namespace {

bool collect(const cJSON *v, const std::string &path, std::vector<Ref> *out, std::string *err) {
  if (cJSON_IsString(v)) {
    std::vector<Piece> pieces;
    if (!parse_string(v->valuestring, &pieces, err)) {
      *err = "at " + path + ": " + *err;
      return false;
    }
    for (auto &p : pieces)
      if (p.is_ref) out->push_back(std::move(p.ref));
    return true;
  }
  int idx = 0;
  for (const cJSON *c = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : nullptr; c; c = c->next, ++idx) {
    std::string sub = cJSON_IsArray(v) ? path + "[" + std::to_string(idx) + "]" : path + "." + c->string;
    if (!collect(c, sub, out, err)) return false;
  }
  return true;
}

// The value a reference stands for: a borrowed node, or an owned one in *own.
const cJSON *lookup(const Ref &ref, const Scope &scope, json::Ptr *own, std::string *err) {
  const cJSON *doc = nullptr;
  std::string whose;
  if (ref.name == "input") {
    doc = scope.input;
    whose = "the chain's input";
    if (!ref.has_pointer) return doc;
  } else {
    const std::string *text = scope.result(ref.name);
    if (!text) {
      *err = "reference " + ref.text + ": step \"" + ref.name + "\" has no result";
      return nullptr;
    }
    if (!ref.has_pointer) {
      own->reset(cJSON_CreateString(text->c_str()));
      return own->get();
    }
    std::string jerr;
    doc = scope.result_json(ref.name, &jerr);
    if (!doc) {
      *err = "reference " + ref.text + ": the result of step \"" + ref.name + "\" is not JSON (" + jerr + ")";
      return nullptr;
    }
    whose = "the result of step \"" + ref.name + "\"";
  }
  std::string perr;
  const cJSON *v = json::pointer_get(doc, ref.pointer, &perr);
  if (!v) *err = "reference " + ref.text + ": missing field " + ref.pointer + " in " + whose + " (" + perr + ")";
  return v;
}

// Replace in place: v is a node of the copy.
bool fill(cJSON *v, const Scope &scope, std::string *err, cJSON **replacement) {
  *replacement = nullptr;
  if (cJSON_IsString(v)) {
    std::string s(v->valuestring);
    if (s.find("${") == std::string::npos) return true;
    std::vector<Piece> pieces;
    if (!parse_string(s, &pieces, err)) return false;
    if (pieces.size() == 1 && pieces[0].is_ref) {
      json::Ptr own;
      const cJSON *val = lookup(pieces[0].ref, scope, &own, err);
      if (!val) return false;
      *replacement = own ? own.release() : cJSON_Duplicate(val, true);
      return *replacement != nullptr;
    }
    std::string text;
    for (const Piece &p : pieces) {
      if (!p.is_ref) {
        text += p.text;
        continue;
      }
      json::Ptr own;
      const cJSON *val = lookup(p.ref, scope, &own, err);
      if (!val) return false;
      text += cJSON_IsString(val) ? std::string(val->valuestring) : json::print(val);
    }
    *replacement = cJSON_CreateString(text.c_str());
    return *replacement != nullptr;
  }
  if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) return true;
  int idx = 0;
  for (cJSON *c = v->child; c;) {
    cJSON *next = c->next;
    cJSON *rep = nullptr;
    if (!fill(c, scope, err, &rep)) return false;
    if (rep && c->string) {
      // The replacement keeps the member's key (ReplaceItemViaPointer does not copy it).
      // A duplicated member brings its own key: drop it first.
      if (rep->string && !(rep->type & cJSON_StringIsConst)) cJSON_free(rep->string);
      rep->type &= ~cJSON_StringIsConst;
      size_t n = std::strlen(c->string) + 1;
      rep->string = static_cast<char *>(cJSON_malloc(n));
      if (!rep->string) {
        cJSON_Delete(rep);
        *err = "out of memory";
        return false;
      }
      std::memcpy(rep->string, c->string, n);
    }
    if (rep) cJSON_ReplaceItemViaPointer(v, c, rep);
    c = next;
    ++idx;
  }
  return true;
}

}  // namespace

bool collect_refs(const cJSON *tmpl, std::vector<Ref> *out, std::string *err) {
  return collect(tmpl, "$", out, err);
}

json::Ptr resolve(const cJSON *tmpl, const Scope &scope, std::string *err) {
  json::Ptr copy(cJSON_Duplicate(tmpl, true));
  if (!copy) {
    *err = "out of memory";
    return nullptr;
  }
  cJSON *rep = nullptr;
  if (!fill(copy.get(), scope, err, &rep)) return nullptr;
  if (rep) copy.reset(rep);
  return copy;
}

}  // namespace toolorch::chain
