#include "mock_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

namespace mocktest {
namespace {

struct Sink {
  std::string *body;
  size_t abort_after;
};

size_t on_body(char *p, size_t size, size_t n, void *arg) {
  Sink *s = static_cast<Sink *>(arg);
  s->body->append(p, size * n);
  if (s->abort_after > 0 && s->body->size() >= s->abort_after) return 0;  // curl aborts
  return size * n;
}

size_t on_header(char *p, size_t size, size_t n, void *arg) {
  static_cast<std::string *>(arg)->append(p, size * n);
  return size * n;
}

HttpResult perform(const std::string &url, const std::string *body, const RequestOptions &opts) {
  HttpResult r;
  CURL *h = curl_easy_init();
  if (!h) return r;
  Sink sink{&r.body, opts.abort_after_bytes};
  curl_slist *hdrs = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);  // a hung server fails the test instead of hanging it
  if (opts.raw_chunks) curl_easy_setopt(h, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
  if (body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  r.curl_code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  return r;
}

const cJSON *item(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

std::string str(const cJSON *obj, const char *key) {
  const cJSON *v = item(obj, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

}  // namespace

HttpResult post(const std::string &url, const std::string &body, const RequestOptions &opts) {
  return perform(url, &body, opts);
}

HttpResult get(const std::string &url) { return perform(url, nullptr, RequestOptions{}); }

std::string header(const HttpResult &r, const std::string &name) {
  size_t pos = 0;
  while (pos < r.headers.size()) {
    size_t end = r.headers.find("\r\n", pos);
    if (end == std::string::npos) end = r.headers.size();
    const std::string line = r.headers.substr(pos, end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos && colon == name.size() && strncasecmp(line.c_str(), name.c_str(), colon) == 0) {
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      return line.substr(v);
    }
    pos = end + 2;
  }
  return "";
}

std::vector<Sse> parse_sse(const std::string &body) {
  std::vector<Sse> out;
  Sse cur;
  bool any = false;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) break;  // an unfinished line is not an event
    const std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      if (any) out.push_back(cur);
      cur = Sse();
      any = false;
    } else if (line.compare(0, 6, "event:") == 0) {
      cur.event = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
      any = true;
    } else if (line.compare(0, 5, "data:") == 0) {
      if (!cur.data.empty()) cur.data += "\n";
      cur.data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
      any = true;
    }
  }
  return out;
}

bool parse_chunks(const std::string &raw, std::vector<std::string> *chunks) {
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    const size_t n = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
    pos = eol + 2;
    if (n == 0) return true;
    if (pos + n + 2 > raw.size()) return false;
    chunks->push_back(raw.substr(pos, n));
    pos += n + 2;
  }
  return false;  // no last chunk
}

Json parse(const std::string &text) { return Json(cJSON_ParseWithLength(text.data(), text.size())); }

long long stat(const toolorch::mockllm::Server &server, const std::string &path) {
  Json root = parse(server.stats_json());
  const cJSON *v = root.get();
  size_t pos = 0;
  while (v && pos <= path.size()) {
    size_t dot = path.find('.', pos);
    if (dot == std::string::npos) dot = path.size();
    const std::string key = path.substr(pos, dot - pos);
    if (cJSON_IsArray(v) && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos)
      v = cJSON_GetArrayItem(v, std::atoi(key.c_str()));
    else
      v = item(v, key.c_str());
    pos = dot + 1;
  }
  return cJSON_IsNumber(v) ? static_cast<long long>(v->valuedouble) : 0;
}

long long wait_stat(const toolorch::mockllm::Server &server, const std::string &path, long long want) {
  long long v = stat(server, path);
  for (int i = 0; i < 1000 && v != want; ++i) {  // at most ~10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    v = stat(server, path);
  }
  return v;
}

std::unique_ptr<toolorch::mockllm::Server> start_server(const std::string &script) {
  toolorch::mockllm::Options o;
  o.script_json = script;
  std::string err;
  auto s = toolorch::mockllm::Server::start(o, &err);
  if (!s) std::fprintf(stderr, "server did not start: %s\n", err.c_str());
  return s;
}

bool read_openai_body(const std::string &body, Answer *out) {
  Json root = parse(body);
  const cJSON *choice = cJSON_GetArrayItem(item(root.get(), "choices"), 0);
  const cJSON *msg = item(choice, "message");
  if (!msg || str(root.get(), "object") != "chat.completion") return false;
  out->text = str(msg, "content");
  out->stop_reason = str(choice, "finish_reason");
  const cJSON *calls = item(msg, "tool_calls");
  for (const cJSON *c = calls ? calls->child : nullptr; c; c = c->next) {
    const cJSON *fn = item(c, "function");
    out->calls.push_back(Call{str(c, "id"), str(fn, "name"), str(fn, "arguments")});
  }
  out->finished = true;
  return true;
}

bool read_openai_stream(const std::string &body, Answer *out) {
  for (const Sse &e : parse_sse(body)) {
    if (e.data == "[DONE]") {
      out->finished = true;
      continue;
    }
    Json chunk = parse(e.data);
    if (!chunk) return false;
    if (str(chunk.get(), "object") != "chat.completion.chunk") return false;
    const cJSON *choice = cJSON_GetArrayItem(item(chunk.get(), "choices"), 0);
    if (!choice) continue;  // the usage chunk
    if (!str(choice, "finish_reason").empty()) out->stop_reason = str(choice, "finish_reason");
    const cJSON *delta = item(choice, "delta");
    out->text += str(delta, "content");
    const cJSON *calls = item(delta, "tool_calls");
    for (const cJSON *c = calls ? calls->child : nullptr; c; c = c->next) {
      const cJSON *index = item(c, "index");
      if (!cJSON_IsNumber(index)) return false;
      const size_t i = static_cast<size_t>(index->valuedouble);
      if (i > out->calls.size()) return false;  // calls come in order
      if (i == out->calls.size()) out->calls.push_back(Call());
      const cJSON *fn = item(c, "function");
      if (item(c, "id")) out->calls[i].id = str(c, "id");
      if (item(fn, "name")) out->calls[i].name = str(fn, "name");
      out->calls[i].arguments += str(fn, "arguments");
    }
  }
  return true;
}

bool read_anthropic_body(const std::string &body, Answer *out) {
  Json root = parse(body);
  if (str(root.get(), "type") != "message") return false;
  out->stop_reason = str(root.get(), "stop_reason");
  const cJSON *content = item(root.get(), "content");
  for (const cJSON *b = content ? content->child : nullptr; b; b = b->next) {
    if (str(b, "type") == "text") {
      out->text += str(b, "text");
    } else if (str(b, "type") == "tool_use") {
      const cJSON *input = item(b, "input");
      std::string args;
      if (cJSON_IsString(input)) {
        args = input->valuestring;
      } else {
        char *p = cJSON_PrintUnformatted(input);
        args = p ? p : "";
        cJSON_free(p);
      }
      out->calls.push_back(Call{str(b, "id"), str(b, "name"), args});
    }
  }
  out->finished = true;
  return true;
}

bool read_anthropic_stream(const std::string &body, Answer *out) {
  std::map<int, int> call_of_block;  // content block index -> call index
  for (const Sse &e : parse_sse(body)) {
    Json ev = parse(e.data);
    if (!ev || str(ev.get(), "type") != e.event) return false;
    const cJSON *index = item(ev.get(), "index");
    const int block = cJSON_IsNumber(index) ? static_cast<int>(index->valuedouble) : -1;
    if (e.event == "content_block_start") {
      const cJSON *cb = item(ev.get(), "content_block");
      if (str(cb, "type") == "tool_use") {
        call_of_block[block] = static_cast<int>(out->calls.size());
        out->calls.push_back(Call{str(cb, "id"), str(cb, "name"), ""});
      }
    } else if (e.event == "content_block_delta") {
      const cJSON *d = item(ev.get(), "delta");
      if (str(d, "type") == "text_delta") {
        out->text += str(d, "text");
      } else if (str(d, "type") == "input_json_delta") {
        auto it = call_of_block.find(block);
        if (it == call_of_block.end()) return false;
        out->calls[it->second].arguments += str(d, "partial_json");
      }
    } else if (e.event == "message_delta") {
      out->stop_reason = str(item(ev.get(), "delta"), "stop_reason");
    } else if (e.event == "message_stop") {
      out->finished = true;
    }
  }
  return true;
}

std::string openai_request(const std::string &messages_json, bool stream) {
  return std::string("{\"model\":\"gpt-test\",\"stream\":") + (stream ? "true" : "false") +
         ",\"stream_options\":" + (stream ? "{\"include_usage\":true}" : "null") +
         ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":{\"type\":\"object\"}}}]"
         ",\"messages\":" + messages_json + "}";
}

std::string anthropic_request(const std::string &messages_json, bool stream) {
  return std::string("{\"model\":\"claude-test\",\"max_tokens\":1024,\"stream\":") + (stream ? "true" : "false") +
         ",\"tools\":[{\"name\":\"search\",\"input_schema\":{\"type\":\"object\"}}]"
         ",\"messages\":" + messages_json + "}";
}

}  // namespace mocktest
