#include "json/pointer.h"

namespace toolorch::json {

namespace {

const char *type_name(const cJSON *v) {
  if (cJSON_IsObject(v)) return "an object";
  if (cJSON_IsArray(v)) return "an array";
  if (cJSON_IsString(v)) return "a string";
  if (cJSON_IsNumber(v)) return "a number";
  if (cJSON_IsBool(v)) return "a boolean";
  return "null";
}

// One reference token, unescaped; false on a bad escape.
bool unescape(std::string_view raw, std::string *out) {
  out->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '~') {
      out->push_back(raw[i]);
      continue;
    }
    if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return false;
    out->push_back(raw[i + 1] == '0' ? '~' : '/');
    ++i;
  }
  return true;
}

}  // namespace

bool pointer_valid(std::string_view pointer, std::string *err) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/') {
    if (err) *err = "a JSON Pointer starts with '/' (or is empty)";
    return false;
  }
  std::string tok;
  if (!unescape(pointer, &tok)) {
    if (err) *err = "'~' in a JSON Pointer must be followed by 0 or 1";
    return false;
  }
  return true;
}

const cJSON *pointer_get(const cJSON *doc, std::string_view pointer, std::string *err) {
  if (!pointer_valid(pointer, err)) return nullptr;
  const cJSON *cur = doc;
  size_t pos = 0;
  while (cur && pos < pointer.size()) {
    size_t next = pointer.find('/', pos + 1);
    if (next == std::string_view::npos) next = pointer.size();
    std::string tok;
    unescape(pointer.substr(pos + 1, next - pos - 1), &tok);
    std::string where(pointer.substr(0, next));
    if (cJSON_IsObject(cur)) {
      const cJSON *m = nullptr;
      for (const cJSON *it = cur->child; it; it = it->next)
        if (it->string && tok == it->string) {
          m = it;
          break;
        }
      if (!m) {
        if (err) *err = "no member \"" + tok + "\" at " + where;
        return nullptr;
      }
      cur = m;
    } else if (cJSON_IsArray(cur)) {
      bool digits = !tok.empty() && tok.size() <= 9 && (tok == "0" || tok[0] != '0');
      for (char c : tok) digits = digits && c >= '0' && c <= '9';
      int n = cJSON_GetArraySize(cur);
      if (!digits) {
        if (err) *err = "\"" + tok + "\" is not an array index at " + where;
        return nullptr;
      }
      long idx = std::stol(tok);
      if (idx >= n) {
        if (err) *err = "index " + tok + " out of range (" + std::to_string(n) + " items) at " + where;
        return nullptr;
      }
      cur = cJSON_GetArrayItem(cur, static_cast<int>(idx));
    } else {
      if (err) *err = where + ": " + std::string(pointer.substr(0, pos).empty() ? "the document" : std::string(pointer.substr(0, pos))) +
                      " is " + type_name(cur) + ", not an object or array";
      return nullptr;
    }
    pos = next;
  }
  return cur;
}

}  // namespace toolorch::json
