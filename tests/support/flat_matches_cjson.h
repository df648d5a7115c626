// Whether json::FlatDoc (the hot path's reader) read a value as cJSON (the
// strict reader) did: every string and small integer, member by member, in
// order. Shared by the json unit test and the json fuzz target.
#pragma once

#include <cjson/cJSON.h>

#include "json/flat.h"

namespace toolorch::test {

inline bool flat_matches_cjson(const json::FlatDoc &d, json::FlatDoc::Index n, const cJSON *c) {
  using T = json::FlatDoc::Type;
  switch (d.type(n)) {
    case T::kNull: return cJSON_IsNull(c);
    case T::kTrue: return cJSON_IsTrue(c);
    case T::kFalse: return cJSON_IsFalse(c);
    case T::kString: return cJSON_IsString(c) && d.text(n) == c->valuestring;
    case T::kNumber: {
      int v = 0;
      return cJSON_IsNumber(c) && (!d.small_int(n, &v) || v == c->valueint);
    }
    case T::kArray:
    case T::kObject: {
      if (d.type(n) == T::kArray ? !cJSON_IsArray(c) : !cJSON_IsObject(c)) return false;
      const cJSON *cc = c->child;
      for (auto m = d.first_child(n); m != json::FlatDoc::kNone; m = d.next(m), cc = cc->next) {
        if (!cc || !flat_matches_cjson(d, m, cc)) return false;
        if (d.type(n) == T::kObject && (!cc->string || d.key(m) != cc->string)) return false;
      }
      return cc == nullptr;
    }
  }
  return false;
}

}  // namespace toolorch::test
