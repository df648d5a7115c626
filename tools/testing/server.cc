// The test kit's server: toolorch::mockllm::Server behind the C ABI of
// include/toolorch/testing.h, with its journal on.
#include <cjson/cJSON.h>
#include <toolorch/testing.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <string>

#include "mockllm/mock_server.h"
#include "mockllm/script.h"
#include "testing/server_handle.h"
#include "testing/util.h"

using toolorch::testing::put_message;

namespace {

int start(const std::string &script, int port, toolorch_testing_server **out, char *err, size_t err_size) {
  if (!out) {
    put_message(err, err_size, "out is NULL");
    return TOOLORCH_EINVAL;
  }
  *out = nullptr;
  if (port < 0 || port > 65535) {
    put_message(err, err_size, "port " + std::to_string(port) + " is out of range (0: a free port)");
    return TOOLORCH_EINVAL;
  }
  std::string why;
  toolorch::mockllm::Script parsed;
  if (!script.empty() && !toolorch::mockllm::parse_script(script, &parsed, &why)) {
    put_message(err, err_size, "script: " + why);
    return TOOLORCH_ECONFIG;
  }
  toolorch::mockllm::Options o;
  o.port = port;
  o.script_json = script;
  o.journal = true;
  auto server = toolorch::mockllm::Server::start(o, &why);
  if (!server) {
    put_message(err, err_size, why);
    return TOOLORCH_EIO;
  }
  auto *h = new toolorch_testing_server;
  h->server = std::move(server);
  h->url = h->server->url();
  *out = h;
  put_message(err, err_size, "");
  return TOOLORCH_OK;
}

}  // namespace

extern "C" {

int toolorch_testing_server_start(const char *script_json, int port, toolorch_testing_server **out, char *err,
                                  size_t err_size) {
  try {
    return start(script_json ? script_json : "", port, out, err, err_size);
  } catch (const std::bad_alloc &) {
    put_message(err, err_size, "out of memory");
    return TOOLORCH_ENOMEM;
  } catch (const std::exception &e) {
    put_message(err, err_size, e.what());
    return TOOLORCH_EINTERNAL;
  }
}

int toolorch_testing_server_start_file(const char *path, int port, toolorch_testing_server **out, char *err,
                                       size_t err_size) {
  if (out) *out = nullptr;
  if (!path) {
    put_message(err, err_size, "path is NULL");
    return TOOLORCH_EINVAL;
  }
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      put_message(err, err_size, std::string(path) + ": cannot open: " + strerror(errno));
      return TOOLORCH_EIO;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
      put_message(err, err_size, std::string(path) + ": cannot read");
      return TOOLORCH_EIO;
    }
    const std::string script = text.str();
    if (script.empty()) {
      put_message(err, err_size, std::string(path) + ": empty file");
      return TOOLORCH_ECONFIG;
    }
    int rc = start(script, port, out, err, err_size);
    if (rc == TOOLORCH_ECONFIG && err && err_size) {
      std::string detail = std::string(path) + ": " + err;
      put_message(err, err_size, detail);
    }
    return rc;
  } catch (const std::bad_alloc &) {
    put_message(err, err_size, "out of memory");
    return TOOLORCH_ENOMEM;
  } catch (const std::exception &e) {
    put_message(err, err_size, e.what());
    return TOOLORCH_EINTERNAL;
  }
}

void toolorch_testing_server_stop(toolorch_testing_server *server) {
  if (!server) return;
  try {
    server->server->stop();
  } catch (...) {
  }
  delete server;
}

const char *toolorch_testing_server_url(const toolorch_testing_server *server, const char *protocol) {
  if (!server) return nullptr;
  if (protocol) {
    const std::string p = protocol;
    if (p != "openai" && p != "openai-responses" && p != "anthropic" && p != "gemini") return nullptr;
  }
  return server->url.c_str();
}

int toolorch_testing_server_port(const toolorch_testing_server *server) {
  return server ? server->server->port() : TOOLORCH_EINVAL;
}

const char *toolorch_testing_server_seen(toolorch_testing_server *server) {
  if (!server) return nullptr;
  try {
    std::lock_guard<std::mutex> lock(server->mu);
    server->seen = server->server->seen_json();
    return server->seen.c_str();
  } catch (...) {
    return "{}";
  }
}

int64_t toolorch_testing_server_stat(const toolorch_testing_server *server, const char *key) {
  if (!server || !key) return -1;
  try {
    cJSON *doc = cJSON_Parse(server->server->stats_json().c_str());
    if (!doc) return -1;
    const cJSON *v = doc;
    std::string k = key;
    size_t pos = 0;
    while (v && pos <= k.size()) {
      size_t dot = k.find('.', pos);
      std::string part = k.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
      if (cJSON_IsArray(v)) {
        char *end = nullptr;
        long i = strtol(part.c_str(), &end, 10);
        v = (!part.empty() && end && *end == '\0' && i >= 0) ? cJSON_GetArrayItem(v, static_cast<int>(i)) : nullptr;
      } else {
        v = cJSON_GetObjectItemCaseSensitive(v, part.c_str());
      }
      if (dot == std::string::npos) break;
      pos = dot + 1;
    }
    int64_t out = cJSON_IsNumber(v) ? static_cast<int64_t>(v->valuedouble) : -1;
    cJSON_Delete(doc);
    return out;
  } catch (...) {
    return -1;
  }
}

int toolorch_testing_server_set_script(toolorch_testing_server *server, const char *script_json, char *err,
                                       size_t err_size) {
  if (!server || !script_json) {
    put_message(err, err_size, "server or script_json is NULL");
    return TOOLORCH_EINVAL;
  }
  try {
    std::string why;
    if (!server->server->load_script(script_json, &why)) {
      put_message(err, err_size, "script: " + why);
      return TOOLORCH_ECONFIG;
    }
    put_message(err, err_size, "");
    return TOOLORCH_OK;
  } catch (const std::bad_alloc &) {
    put_message(err, err_size, "out of memory");
    return TOOLORCH_ENOMEM;
  } catch (...) {
    put_message(err, err_size, "internal error");
    return TOOLORCH_EINTERNAL;
  }
}

int toolorch_testing_server_reset(toolorch_testing_server *server) {
  if (!server) return TOOLORCH_EINVAL;
  try {
    server->server->reset();
    return TOOLORCH_OK;
  } catch (...) {
    return TOOLORCH_EINTERNAL;
  }
}

}  // extern "C"
