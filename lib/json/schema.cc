#include "json/schema.h"

#include <cmath>
#include <cstring>

#include "json/json.h"

namespace toolorch::json {
namespace {

const char *type_name(const cJSON *v) {
  if (cJSON_IsNull(v)) return "null";
  if (cJSON_IsBool(v)) return "boolean";
  if (cJSON_IsNumber(v)) return "number";
  if (cJSON_IsString(v)) return "string";
  if (cJSON_IsArray(v)) return "array";
  if (cJSON_IsObject(v)) return "object";
  return "invalid";
}

// A number without a fractional part, as JSON Schema defines "integer"
// (1e300 is one); no cast, so no undefined behaviour out of range.
bool is_integer(const cJSON *v) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  return std::isfinite(d) && d == std::floor(d);
}

bool matches_type(const char *type, const cJSON *v) {
  if (!std::strcmp(type, "integer")) return is_integer(v);
  if (!std::strcmp(type, "number")) return cJSON_IsNumber(v);
  return !std::strcmp(type, type_name(v));
}

// Where a value sits ("$.a[2].b"), kept as a chain on the stack and spelled
// out only when a violation is reported: a valid value costs no string.
struct Path {
  const Path *parent = nullptr;
  const char *key = nullptr;  // a property, or
  int index = -1;             // an array element

  std::string text() const {
    if (!parent) return "$";
    return parent->text() + (key ? std::string(".") + key : "[" + std::to_string(index) + "]");
  }
};

bool validate_at(const cJSON *schema, const cJSON *v, const Path &path, std::string *err) {
  if (!cJSON_IsObject(schema)) return true;  // true/{} schemas accept anything
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
  if (cJSON_IsString(type)) {
    if (!matches_type(type->valuestring, v)) {
      *err = path.text() + ": expected " + type->valuestring + ", got " + type_name(v);
      return false;
    }
  } else if (cJSON_IsArray(type)) {
    bool any = false, named = false;
    for (const cJSON *t = type->child; t && !any; t = t->next) {
      if (!cJSON_IsString(t)) continue;
      named = true;
      any = matches_type(t->valuestring, v);
    }
    if (!any && named) {
      std::string names;
      for (const cJSON *t = type->child; t; t = t->next) {
        if (!cJSON_IsString(t)) continue;
        if (!names.empty()) names += " or ";
        names += t->valuestring;
      }
      *err = path.text() + ": expected " + names + ", got " + type_name(v);
      return false;
    }
  }
  const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
  if (cJSON_IsArray(en)) {
    bool found = false;
    for (const cJSON *e = en->child; e && !found; e = e->next) found = cJSON_Compare(e, v, true);
    if (!found) {
      *err = path.text() + ": value is not one of the allowed values";
      return false;
    }
  }
  if (cJSON_IsObject(v)) {
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    if (cJSON_IsArray(req)) {
      for (const cJSON *r = req->child; r; r = r->next) {
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring)) {
          *err = path.text() + ": missing required property \"" + r->valuestring + "\"";
          return false;
        }
      }
    }
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    for (const cJSON *m = v->child; m; m = m->next) {
      const cJSON *ps = cJSON_IsObject(props) ? cJSON_GetObjectItemCaseSensitive(props, m->string) : nullptr;
      const Path sub{&path, m->string ? m->string : ""};
      if (ps) {
        if (!validate_at(ps, m, sub, err)) return false;
      } else if (cJSON_IsFalse(extra)) {
        *err = sub.text() + ": property is not allowed";
        return false;
      }
    }
  }
  if (cJSON_IsArray(v)) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    if (cJSON_IsObject(items)) {
      int i = 0;
      for (const cJSON *e = v->child; e; e = e->next, ++i)
        if (!validate_at(items, e, Path{&path, nullptr, i}, err)) return false;
    }
  }
  return true;
}

using T = FlatDoc::Type;

// A member of a cJSON object by a key that need not end in NUL (the first
// match, as cJSON's lookup).
const cJSON *member(const cJSON *obj, std::string_view key) {
  if (!cJSON_IsObject(obj)) return nullptr;
  for (const cJSON *c = obj->child; c; c = c->next)
    if (c->string && key == c->string) return c;
  return nullptr;
}

// "Surely of this type": a number that is not a small integer is never
// surely an "integer" here (cJSON's double decides that, on the slow path).
bool surely_type(const char *type, const FlatDoc &d, FlatDoc::Index v) {
  if (!std::strcmp(type, "integer")) {
    int unused = 0;
    return d.small_int(v, &unused);
  }
  if (!std::strcmp(type, "number")) return d.is(v, T::kNumber);
  if (!std::strcmp(type, "string")) return d.is(v, T::kString);
  if (!std::strcmp(type, "boolean")) return d.is(v, T::kTrue) || d.is(v, T::kFalse);
  if (!std::strcmp(type, "null")) return d.is(v, T::kNull);
  if (!std::strcmp(type, "array")) return d.is(v, T::kArray);
  if (!std::strcmp(type, "object")) return d.is(v, T::kObject);
  return false;
}

// validate_at's rules over a FlatDoc, answering only "surely valid".
bool surely_at(const cJSON *schema, const FlatDoc &d, FlatDoc::Index v) {
  if (!cJSON_IsObject(schema)) return true;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
  if (cJSON_IsString(type)) {
    if (!surely_type(type->valuestring, d, v)) return false;
  } else if (cJSON_IsArray(type)) {
    bool any = false, named = false;
    for (const cJSON *t = type->child; t && !any; t = t->next) {
      if (!cJSON_IsString(t)) continue;
      named = true;
      any = surely_type(t->valuestring, d, v);
    }
    if (!any && named) return false;
  }
  if (cJSON_GetObjectItemCaseSensitive(schema, "enum")) return false;  // compared by cJSON
  if (d.is(v, T::kObject)) {
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    if (cJSON_IsArray(req))
      for (const cJSON *r = req->child; r; r = r->next)
        if (cJSON_IsString(r) && d.get(v, r->valuestring) == FlatDoc::kNone) return false;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    for (auto m = d.first_child(v); m != FlatDoc::kNone; m = d.next(m)) {
      if (const cJSON *ps = member(props, d.key(m))) {
        if (!surely_at(ps, d, m)) return false;
      } else if (cJSON_IsFalse(extra)) {
        return false;
      }
    }
  }
  if (d.is(v, T::kArray)) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    if (cJSON_IsObject(items))
      for (auto e = d.first_child(v); e != FlatDoc::kNone; e = d.next(e))
        if (!surely_at(items, d, e)) return false;
  }
  return true;
}

}  // namespace

bool surely_valid(const cJSON *schema, const FlatDoc &doc) { return surely_at(schema, doc, doc.root()); }

bool any_object_satisfies(const cJSON *schema) {
  if (!cJSON_IsObject(schema)) return false;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
  if (!cJSON_IsString(type) || std::strcmp(type->valuestring, "object") != 0) return false;
  if (cJSON_GetObjectItemCaseSensitive(schema, "enum")) return false;
  const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
  if (req && !(cJSON_IsArray(req) && !req->child)) return false;
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
  if (props && !(cJSON_IsObject(props) && !props->child)) return false;
  return !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties"));
}

bool check_tool_schema(const cJSON *schema, std::string *err) {
  if (!cJSON_IsObject(schema)) {
    *err = "a tool's parameter schema must be a JSON object";
    return false;
  }
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
  if (type && !(cJSON_IsString(type) && std::string(type->valuestring) == "object")) {
    *err = "a tool's parameter schema must have \"type\": \"object\"";
    return false;
  }
  const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
  if (req && !cJSON_IsArray(req)) {
    *err = "\"required\" must be an array of property names";
    return false;
  }
  return true;
}

bool validate(const cJSON *schema, const cJSON *value, std::string *err) {
  std::string local;
  return validate_at(schema, value, Path{}, err ? err : &local);
}

}  // namespace toolorch::json
