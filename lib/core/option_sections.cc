#include "core/option_sections.h"

#include "core/codes.h"
#include "json/json.h"

#include "limits/config.h"
#include "llm/provider_config.h"
#include "obs/config.h"

namespace toolorch::core {

int check_section(const char *name, const cJSON *value, std::string *err) {
  std::string section(name);
  if (section == "llm") {
    if (!cJSON_IsObject(value)) {
      *err = "option \"llm\" must be an object";
      return TOOLORCH_ECONFIG;
    }
    llm::ProviderConfig cfg;
    std::string perr;
    if (!llm_provider_config(value, &cfg, &perr)) {
      *err = "option \"llm\": " + perr;
      return TOOLORCH_ECONFIG;
    }
    return TOOLORCH_OK;
  }
  if (section == "rate_limits") {
    limits::Config cfg;
    std::string perr;
    if (!limits::parse_config(value, &cfg, &perr) || !limits::validate_config(cfg, &perr)) {
      *err = "option \"rate_limits\": " + perr;
      return TOOLORCH_ECONFIG;
    }
    return TOOLORCH_OK;
  }
  if (section == "mcp_servers") {
    // Only the shape here: each description is checked in full by the MCP
    // layer (above core) when the context starts its servers.
    bool ok = cJSON_IsArray(value);
    for (const cJSON *it = ok ? value->child : nullptr; it && ok; it = it->next) ok = cJSON_IsObject(it);
    if (!ok) {
      *err = "option \"mcp_servers\" must be an array of objects";
      return TOOLORCH_ECONFIG;
    }
    return TOOLORCH_OK;
  }
  if (section == "chains") {
    // Only the shape here: each chain is checked in full by lib/chain (above
    // core) when the context registers it.
    bool ok = cJSON_IsArray(value);
    for (const cJSON *it = ok ? value->child : nullptr; it && ok; it = it->next) ok = cJSON_IsObject(it);
    if (!ok) {
      *err = "option \"chains\" must be an array of objects";
      return TOOLORCH_ECONFIG;
    }
    return TOOLORCH_OK;
  }
  if (section == "observability") {
    obs::Config cfg;
    std::string perr;
    if (!obs::parse_config(value, &cfg, &perr)) {
      *err = "option \"observability\": " + perr;
      return TOOLORCH_ECONFIG;
    }
    return TOOLORCH_OK;
  }
  *err = "unknown option \"" + section + "\"" +
         json::did_you_mean(section, {"max_parallel_tools", "tool_timeout_ms", "worker_threads", "max_args_bytes",
                                      "max_result_bytes", "max_json_depth", "emit_call_started",
                                      "emit_progress_events", "llm", "rate_limits", "mcp_servers", "chains",
                                      "observability"});
  return TOOLORCH_ECONFIG;
}

bool llm_provider_config(const cJSON *llm_section, llm::ProviderConfig *out, std::string *err) {
  // "model" (the jobs' default) and "service" (the rate-limit service of
  // LLM requests) are not the provider's: take them out first.
  json::Ptr copy(cJSON_Duplicate(llm_section, true));
  cJSON_DeleteItemFromObjectCaseSensitive(copy.get(), "model");
  cJSON_DeleteItemFromObjectCaseSensitive(copy.get(), "service");
  const cJSON *service = cJSON_GetObjectItemCaseSensitive(llm_section, "service");
  if (service && !cJSON_IsString(service)) {
    *err = "\"service\" must be a string";
    return false;
  }
  const cJSON *model = cJSON_GetObjectItemCaseSensitive(llm_section, "model");
  if (model && !cJSON_IsString(model)) {
    *err = "\"model\" must be a string";
    return false;
  }
  return llm::parse_provider_config(copy.get(), out, err);
}

}  // namespace toolorch::core
