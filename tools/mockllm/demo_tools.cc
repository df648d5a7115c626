#include "mockllm/demo_tools.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <cstdlib>
#include <string>

namespace toolorch::mockllm {

struct DemoTools::Pending {
  DemoTools *owner = nullptr;
  evhttp_request *req = nullptr;
  evhttp_connection *evcon = nullptr;
  event *timer = nullptr;
  int status = 200;
};

namespace {

constexpr long kMaxDelayMs = 60000;

void reply(evhttp_request *req, int status, const char *content_type) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
  // The request's input buffer is its body: answer it as is.
  evbuffer *body = evbuffer_new();
  if (body) evbuffer_add_buffer(body, evhttp_request_get_input_buffer(req));
  evhttp_send_reply(req, status, nullptr, body);
  if (body) evbuffer_free(body);
}

// A query parameter as a number in [lo, hi], or fallback.
long query_number(evhttp_request *req, const char *name, long fallback, long lo, long hi) {
  const evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *query = uri ? evhttp_uri_get_query(uri) : nullptr;
  if (!query) return fallback;
  evkeyvalq params;
  if (evhttp_parse_query_str(query, &params) != 0) return fallback;
  long value = fallback;
  if (const char *text = evhttp_find_header(&params, name)) {
    char *end = nullptr;
    long v = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && v >= lo && v <= hi) value = v;
  }
  evhttp_clear_headers(&params);
  return value;
}

}  // namespace

static void forget(DemoTools::Pending *p, std::unordered_set<DemoTools::Pending *> *set) {
  if (p->timer) event_free(p->timer);
  evhttp_connection_set_closecb(p->evcon, nullptr, nullptr);
  set->erase(p);
  delete p;
}

DemoTools::~DemoTools() { stop(); }

bool DemoTools::handle(evhttp_request *req, std::string_view path, event_base *base) {
  if (path != "/tools/echo") return false;
  if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
    evhttp_send_error(req, 405, "use POST");
    return true;
  }
  int status = static_cast<int>(query_number(req, "status", 200, 100, 599));
  long delay_ms = query_number(req, "delay_ms", 0, 0, kMaxDelayMs);
  const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
  std::string content_type = type ? type : "application/octet-stream";
  if (delay_ms == 0) {
    reply(req, status, content_type.c_str());
    return true;
  }
  auto *p = new Pending;
  p->owner = this;
  p->req = req;
  p->evcon = evhttp_request_get_connection(req);
  p->status = status;
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type.c_str());
  p->timer = evtimer_new(
      base,
      [](evutil_socket_t, short, void *arg) {
        auto *q = static_cast<Pending *>(arg);
        evbuffer *body = evbuffer_new();
        if (body) evbuffer_add_buffer(body, evhttp_request_get_input_buffer(q->req));
        evhttp_send_reply(q->req, q->status, nullptr, body);
        if (body) evbuffer_free(body);
        forget(q, &q->owner->pending_);
      },
      p);
  if (!p->timer) {
    delete p;
    evhttp_send_error(req, 500, "no timer");
    return true;
  }
  // The client leaving first frees the request: forget the answer then.
  evhttp_connection_set_closecb(
      p->evcon, [](evhttp_connection *, void *arg) {
        auto *q = static_cast<Pending *>(arg);
        forget(q, &q->owner->pending_);
      },
      p);
  pending_.insert(p);
  timeval tv{delay_ms / 1000, static_cast<suseconds_t>((delay_ms % 1000) * 1000)};
  evtimer_add(p->timer, &tv);
  return true;
}

void DemoTools::stop() {
  for (Pending *p : std::unordered_set<Pending *>(pending_)) forget(p, &pending_);
}

}  // namespace toolorch::mockllm
