// JSON Schema -> the Schema object of Gemini's functionDeclarations (an
// OpenAPI 3.0 subset).
//
// Kept: type (an array like ["string","null"] becomes the one non-null type
// plus nullable: true), format, title, description, nullable, enum (strings
// only; an enum of other values is dropped), const (becomes a one-value
// enum when a string), properties, required (only names that are
// properties), items, minItems, maxItems, minimum, maximum, minLength,
// maxLength, pattern, minProperties, maxProperties, anyOf (oneOf is
// translated to anyOf), propertyOrdering.
// Dropped: everything else, at every level: $schema, $id, $ref and
// $defs/definitions (references are not followed), additionalProperties,
// patternProperties, allOf, not, if/then/else, default, examples,
// exclusiveMinimum/Maximum, multipleOf, uniqueItems, dependencies, ...
// The core still validates the arguments against the full schema.
#include <cstring>

#include "json/json.h"
#include "llm/adapters.h"

namespace toolorch::llm {

namespace {

constexpr int kMaxDepth = 64;

const char *const kCopied[] = {"format", "title", "description", "nullable", "minItems", "maxItems",
                               "minimum", "maximum", "minLength", "maxLength", "pattern", "minProperties",
                               "maxProperties", "propertyOrdering"};

bool all_strings(const cJSON *arr) {
  if (!cJSON_IsArray(arr)) return false;
  for (const cJSON *v = arr->child; v; v = v->next)
    if (!cJSON_IsString(v)) return false;
  return true;
}

cJSON *translate(const cJSON *in, int depth);

cJSON *translate_list(const cJSON *arr, int depth) {
  cJSON *out = cJSON_CreateArray();
  for (const cJSON *v = arr->child; v; v = v->next)
    if (cJSON_IsObject(v)) cJSON_AddItemToArray(out, translate(v, depth + 1));
  return out;
}

cJSON *translate(const cJSON *in, int depth) {
  cJSON *out = cJSON_CreateObject();
  if (depth > kMaxDepth || !cJSON_IsObject(in)) return out;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(in, "type");
  if (cJSON_IsString(type)) {
    cJSON_AddStringToObject(out, "type", type->valuestring);
  } else if (cJSON_IsArray(type)) {
    bool nullable = false;
    const char *one = nullptr;
    for (const cJSON *t = type->child; t; t = t->next) {
      if (!cJSON_IsString(t)) continue;
      if (!std::strcmp(t->valuestring, "null")) nullable = true;
      else if (!one) one = t->valuestring;
    }
    if (one) cJSON_AddStringToObject(out, "type", one);
    if (nullable) cJSON_AddBoolToObject(out, "nullable", true);
  }
  for (const char *key : kCopied) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    if (v && !cJSON_GetObjectItemCaseSensitive(out, key)) cJSON_AddItemToObject(out, key, cJSON_Duplicate(v, true));
  }
  const cJSON *en = cJSON_GetObjectItemCaseSensitive(in, "enum");
  if (all_strings(en)) cJSON_AddItemToObject(out, "enum", cJSON_Duplicate(en, true));
  const cJSON *cst = cJSON_GetObjectItemCaseSensitive(in, "const");
  if (cJSON_IsString(cst) && !cJSON_GetObjectItemCaseSensitive(out, "enum")) {
    cJSON *e = cJSON_AddArrayToObject(out, "enum");
    cJSON_AddItemToArray(e, cJSON_CreateString(cst->valuestring));
  }
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(in, "properties");
  if (cJSON_IsObject(props)) {
    cJSON *p = cJSON_AddObjectToObject(out, "properties");
    for (const cJSON *v = props->child; v; v = v->next)
      if (v->string) cJSON_AddItemToObject(p, v->string, translate(v, depth + 1));
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(in, "required");
    if (cJSON_IsArray(req)) {
      cJSON *r = cJSON_CreateArray();
      for (const cJSON *v = req->child; v; v = v->next)
        if (cJSON_IsString(v) && cJSON_GetObjectItemCaseSensitive(props, v->valuestring))
          cJSON_AddItemToArray(r, cJSON_CreateString(v->valuestring));
      if (r->child) cJSON_AddItemToObject(out, "required", r);
      else cJSON_Delete(r);
    }
  }
  const cJSON *items = cJSON_GetObjectItemCaseSensitive(in, "items");
  if (cJSON_IsObject(items)) cJSON_AddItemToObject(out, "items", translate(items, depth + 1));
  const cJSON *any = cJSON_GetObjectItemCaseSensitive(in, "anyOf");
  if (!cJSON_IsArray(any)) any = cJSON_GetObjectItemCaseSensitive(in, "oneOf");
  if (cJSON_IsArray(any)) cJSON_AddItemToObject(out, "anyOf", translate_list(any, depth));
  return out;
}

}  // namespace

json::Ptr gemini_schema(const cJSON *json_schema) { return json::Ptr(translate(json_schema, 0)); }

}  // namespace toolorch::llm
