#include "mockllm/mock_server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "mockllm/demo_tools.h"
#include "mockllm/gemini_writer.h"
#include "mockllm/journal.h"
#include "mockllm/player.h"
#include "mockllm/reply.h"
#include "mockllm/request.h"
#include "mockllm/stats.h"
#include "mockllm/text_util.h"

namespace toolorch::mockllm {
namespace {

constexpr int kListenBacklog = 4096;      // 1,000 clients may connect at the same moment
constexpr size_t kMaxBodyBytes = 64u << 20;

// One answer that waits (time to first byte) or streams (chunk gaps). Lives
// on the loop thread from the request until the answer ends or the client
// leaves, whichever comes first; exactly one of the two frees it.
struct Stream {
  enum class Phase { kWaiting, kSending, kFlushing, kClosing };
  Server::Impl *impl = nullptr;
  evhttp_request *req = nullptr;
  evhttp_connection *evcon = nullptr;
  event *timer = nullptr;
  Reply reply;
  size_t next_group = 0;
  Phase phase = Phase::kWaiting;
};

enum class Outcome { kCompleted, kDropped, kClientGone, kServerStopped };

std::string random_nonce() {
  static const char kAlnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(kAlnum[rd() % (sizeof(kAlnum) - 1)]);
  return s;
}

std::string request_body(evhttp_request *req) {
  evbuffer *in = evhttp_request_get_input_buffer(req);
  const size_t n = evbuffer_get_length(in);
  if (n == 0) return std::string();
  const unsigned char *p = evbuffer_pullup(in, -1);
  return p ? std::string(reinterpret_cast<const char *>(p), n) : std::string();
}

void send_whole(evhttp_request *req, int status, const std::vector<std::pair<std::string, std::string>> &headers,
                const std::string &body) {
  evkeyvalq *out = evhttp_request_get_output_headers(req);
  for (const auto &kv : headers) evhttp_add_header(out, kv.first.c_str(), kv.second.c_str());
  evbuffer *buf = evbuffer_new();
  if (buf) evbuffer_add(buf, body.data(), body.size());
  evhttp_send_reply(req, status, nullptr, buf);
  if (buf) evbuffer_free(buf);
}

void send_json(evhttp_request *req, int status, const std::string &body) {
  send_whole(req, status, {{"Content-Type", "application/json"}}, body);
}

// /v1beta/models/{model}:generateContent or :streamGenerateContent (the
// query, alt=sse, is not part of the path).
bool parse_gemini_path(std::string_view path, RequestTarget *out) {
  constexpr std::string_view kPrefix = "/v1beta/models/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view method = rest.substr(colon + 1);
  if (method != "generateContent" && method != "streamGenerateContent") return false;
  out->model = std::string(rest.substr(0, colon));
  out->stream = method == "streamGenerateContent";
  return true;
}

}  // namespace

struct Server::Impl {
  Options options;
  event_base *base = nullptr;
  evhttp *http = nullptr;
  event *wake_ev = nullptr;
  int wake_fd = -1;
  int port = 0;
  std::thread thread;
  bool stopped = false;  // owner's thread only
  const std::string nonce = random_nonce();

  mutable std::mutex mu;  // guards the fields below it
  std::unique_ptr<Player> player;
  Stats stats;
  Journal journal;  // filled only with options.journal
  // Tool call ids are <prefix><nonce><hex n>: one bit per n says whether
  // call n went out, so millions of calls cost kilobytes.
  std::vector<bool> issued;
  uint64_t next_id = 0;
  // Gemini calls that carried a thoughtSignature (the first of each turn).
  std::unordered_set<std::string> first_call_of_turn;

  // Loop thread only.
  std::unordered_set<Stream *> streams;
  DemoTools demo_tools;  // POST /tools/echo (demo_tools.h)
  std::map<int, const timeval *> common_timeouts;

  std::string new_id(const char *prefix, uint64_t *n = nullptr) {  // under mu
    char num[24];
    snprintf(num, sizeof num, "%06llx", static_cast<unsigned long long>(++next_id));
    if (n) *n = next_id;
    return std::string(prefix) + nonce + num;
  }

  bool was_issued(const std::string &id) const {  // under mu
    size_t pos;
    if (id.rfind("call_", 0) == 0)
      pos = 5;
    else if (id.rfind("toolu_", 0) == 0)
      pos = 6;
    else
      return false;
    if (id.compare(pos, nonce.size(), nonce) != 0) return false;
    pos += nonce.size();
    if (pos >= id.size() || id.size() - pos > 16 || id.find_first_not_of("0123456789abcdef", pos) != std::string::npos)
      return false;
    const uint64_t n = std::strtoull(id.c_str() + pos, nullptr, 16);
    return n < issued.size() && issued[n];
  }

  // ---- pacing -------------------------------------------------------------

  // Many streams wait the same few durations: libevent's common timeouts
  // keep those in O(1) queues instead of the heap.
  const timeval *delay(int ms) {
    auto it = common_timeouts.find(ms);
    if (it != common_timeouts.end()) return it->second;
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    const timeval *common = common_timeouts.size() < 64 ? event_base_init_common_timeout(base, &tv) : nullptr;
    if (!common) {
      static thread_local timeval plain;
      plain = tv;
      return &plain;
    }
    common_timeouts.emplace(ms, common);
    return common;
  }

  void arm(Stream *s, int ms) { evtimer_add(s->timer, delay(ms)); }

  void finish(Stream *s, Outcome outcome) {
    streams.erase(s);
    event_free(s->timer);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (s->reply.streamed) --stats.active_streams;
      switch (outcome) {
        case Outcome::kCompleted:
          if (s->reply.streamed) ++stats.completed_streams;
          break;
        case Outcome::kDropped: ++stats.dropped_streams; break;
        case Outcome::kClientGone: ++stats.clients_gone; break;
        case Outcome::kServerStopped: break;
      }
    }
    delete s;
  }

  // The answer is complete: end the chunked body, keep the connection.
  void end_stream(Stream *s) {
    evhttp_connection_set_closecb(s->evcon, nullptr, nullptr);
    evhttp_send_reply_end(s->req);
    finish(s, Outcome::kCompleted);
  }

  // drop_mid_stream: close the connection without ending the answer.
  void close_connection(Stream *s) {
    evhttp_connection *evcon = s->evcon;
    evhttp_connection_set_closecb(evcon, nullptr, nullptr);
    finish(s, Outcome::kDropped);
    evhttp_connection_free(evcon);  // frees the request too
  }

  static void on_flushed(evhttp_connection *, void *arg) {
    // Everything before the cut reached the socket: close on the next turn
    // of the loop, outside libevent's write callback.
    Stream *s = static_cast<Stream *>(arg);
    s->phase = Stream::Phase::kClosing;
    s->impl->arm(s, 0);
  }

  static void on_client_closed(evhttp_connection *, void *arg) {
    Stream *s = static_cast<Stream *>(arg);
    evhttp_request *req = s->req;
    s->impl->finish(s, Outcome::kClientGone);
    // libevent detached the unfinished request from the dead connection and
    // left it to us.
    if (evhttp_request_get_connection(req) == nullptr) evhttp_request_free(req);
  }

  void send_groups(Stream *s) {
    const std::vector<std::string> &groups = s->reply.groups;
    evbuffer *buf = evbuffer_new();
    if (!buf) {
      close_connection(s);
      return;
    }
    const size_t n = s->reply.gap_ms == 0 ? groups.size() - s->next_group : 1;
    for (size_t k = 0; k < n && s->next_group < groups.size(); ++k, ++s->next_group)
      evbuffer_add(buf, groups[s->next_group].data(), groups[s->next_group].size());
    const bool done = s->next_group >= groups.size();
    if (done && s->reply.close_after) {
      if (evbuffer_get_length(buf) > 0) {
        s->phase = Stream::Phase::kFlushing;
        evhttp_send_reply_chunk_with_cb(s->req, buf, on_flushed, s);
      } else {
        s->phase = Stream::Phase::kClosing;
        arm(s, 0);
      }
      evbuffer_free(buf);
      return;
    }
    if (evbuffer_get_length(buf) > 0) evhttp_send_reply_chunk(s->req, buf);
    evbuffer_free(buf);
    if (done)
      end_stream(s);
    else
      arm(s, s->reply.gap_ms);
  }

  static void on_tick(evutil_socket_t, short, void *arg) {
    Stream *s = static_cast<Stream *>(arg);
    Impl *impl = s->impl;
    switch (s->phase) {
      case Stream::Phase::kWaiting:
        if (s->reply.close_after && !s->reply.streamed) {
          impl->close_connection(s);  // no answer at all
          return;
        }
        if (!s->reply.streamed) {
          evhttp_connection_set_closecb(s->evcon, nullptr, nullptr);
          send_whole(s->req, s->reply.status, s->reply.headers, s->reply.body);
          impl->finish(s, Outcome::kCompleted);
          return;
        }
        {
          evkeyvalq *out = evhttp_request_get_output_headers(s->req);
          for (const auto &kv : s->reply.headers) evhttp_add_header(out, kv.first.c_str(), kv.second.c_str());
        }
        evhttp_send_reply_start(s->req, s->reply.status, nullptr);
        s->phase = Stream::Phase::kSending;
        impl->send_groups(s);
        return;
      case Stream::Phase::kSending:
        impl->send_groups(s);
        return;
      case Stream::Phase::kFlushing:
        return;  // on_flushed moves on
      case Stream::Phase::kClosing:
        impl->close_connection(s);
        return;
    }
  }

  void play(evhttp_request *req, Reply reply) {
    if (reply.ttfb_ms == 0 && !reply.streamed && !reply.close_after) {
      send_whole(req, reply.status, reply.headers, reply.body);
      return;
    }
    Stream *s = new Stream;
    s->impl = this;
    s->req = req;
    s->evcon = evhttp_request_get_connection(req);
    s->reply = std::move(reply);
    s->timer = evtimer_new(base, on_tick, s);
    if (!s->timer || !s->evcon) {
      if (s->timer) event_free(s->timer);
      send_json(req, 500, "{\"error\":\"out of memory\"}");
      delete s;
      return;
    }
    streams.insert(s);
    if (s->reply.streamed) {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.active_streams;
    }
    evhttp_connection_set_closecb(s->evcon, on_client_closed, s);
    arm(s, s->reply.ttfb_ms);
  }

  // ---- requests -------------------------------------------------------------

  // Checks the tool results of the request's last turn against the ids this
  // server issued. Under mu.
  void check_results(const ParsedRequest &pr) {
    std::unordered_set<std::string> answered;
    const bool j = options.journal;
    const int64_t request = stats.requests_total - 1;
    for (const ToolResult &r : pr.results) {
      ++stats.tool_results_seen;
      const bool known = was_issued(r.call_id);
      if (!known) ++stats.unknown_result_ids;
      if (!known && j) journal.add(&journal.unknown_result_ids, r.call_id);
      if (!answered.insert(r.call_id).second) {
        ++stats.duplicate_results;
        if (j) journal.add(&journal.duplicate_result_ids, r.call_id);
      }
      if (r.is_error) ++stats.is_error_results;
      if (j) journal.add(&journal.results, Journal::Result{r.call_id, r.content, r.is_error, known, request});
    }
    for (const std::string &id : pr.last_call_ids)
      if (!answered.count(id)) {
        ++stats.missing_results;
        if (j) journal.add(&journal.missing_result_ids, id);
      }
    // Gemini: the signature issued on a turn's first call must come back as it was.
    for (const auto &[id, sig] : pr.last_call_signatures)
      if (was_issued(id) && first_call_of_turn.count(id) && sig != gemini::signature_for(id))
        ++stats.signature_mismatches;
  }

  void handle_llm(evhttp_request *req, Protocol protocol, const RequestTarget &target = RequestTarget()) {
    const std::string body = request_body(req);
    ParsedRequest pr;
    std::string perr;
    const bool ok = parse_request(protocol, body, &pr, &perr, target);
    Plan plan;
    ReplyContext ctx;
    std::vector<uint64_t> call_numbers;
    int64_t request_index = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      request_index = stats.requests_total++;
      switch (protocol) {
        case Protocol::kOpenAI: ++stats.requests_openai; break;
        case Protocol::kAnthropic: ++stats.requests_anthropic; break;
        case Protocol::kOpenAIResponses: ++stats.requests_openai_responses; break;
        case Protocol::kGemini: ++stats.requests_gemini; break;
      }
      if (options.journal) {
        Journal::Request jr;
        jr.protocol = protocol_name(protocol);
        jr.model = ok ? pr.model : std::string();
        jr.stream = ok && pr.stream;
        jr.bad = !ok;
        jr.results = ok ? pr.results.size() : 0;
        journal.add(&journal.requests, std::move(jr));
      }
      if (!ok) {
        ++stats.bad_requests;
      } else {
        if (pr.stream) ++stats.streamed;
        check_results(pr);
        plan = player->next(pr);
        if (stats.round_requests.size() <= static_cast<size_t>(plan.round))
          stats.round_requests.resize(plan.round + 1, 0);
        ++stats.round_requests[plan.round];
        for (const std::string &f : plan.faults) ++stats.faults_injected[f];
        if (options.journal && journal.requests.size() == static_cast<size_t>(stats.requests_total)) {
          journal.requests.back().round = plan.round;
          journal.requests.back().faults = plan.faults;
        }
        const char *prefix = protocol == Protocol::kAnthropic ? "toolu_" : "call_";
        call_numbers.reserve(plan.calls.size());
        for (PlannedCall &c : plan.calls) {
          uint64_t n = 0;
          c.id = new_id(prefix, &n);
          call_numbers.push_back(n);
        }
        if (protocol == Protocol::kGemini && !plan.calls.empty()) first_call_of_turn.insert(plan.calls[0].id);
        switch (protocol) {
          case Protocol::kOpenAI: ctx.response_id = new_id("chatcmpl-"); break;
          case Protocol::kAnthropic: ctx.response_id = new_id("msg_"); break;
          // The round rides in the id, so previous_response_id needs no state here.
          case Protocol::kOpenAIResponses:
            ctx.response_id = new_id("resp_") + "_r" + std::to_string(plan.round);
            break;
          case Protocol::kGemini: ctx.response_id = new_id(""); break;
        }
      }
    }
    if (!ok) {
      Reply r = render_error(protocol, 400, perr);
      send_whole(req, r.status, r.headers, r.body);
      return;
    }
    ctx.model = pr.model;
    ctx.created = static_cast<int64_t>(time(nullptr));
    ctx.include_usage = pr.include_usage;
    Reply reply = render(plan, pr, ctx);
    if (reply.calls_sent > 0) {
      std::lock_guard<std::mutex> lock(mu);
      stats.tool_calls_issued += static_cast<int64_t>(reply.calls_sent);
      for (size_t i = 0; i < reply.calls_sent && i < call_numbers.size(); ++i) {
        if (issued.size() <= call_numbers[i]) issued.resize(call_numbers[i] + 1 + issued.size() / 2, false);
        issued[call_numbers[i]] = true;
        if (options.journal && i < plan.calls.size())
          journal.add(&journal.calls, Journal::Call{plan.calls[i].id, plan.calls[i].name, plan.calls[i].arguments,
                                                    plan.round, request_index});
      }
      if (options.journal && journal.requests.size() > static_cast<size_t>(request_index))
        journal.requests[request_index].calls = reply.calls_sent;
    }
    play(req, std::move(reply));
  }

  static void on_request(evhttp_request *req, void *arg) {
    Impl *impl = static_cast<Impl *>(arg);
    const evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path = uri ? evhttp_uri_get_path(uri) : nullptr;
    const std::string_view path = raw_path ? raw_path : "";
    const bool post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
    const bool get = evhttp_request_get_command(req) == EVHTTP_REQ_GET;

    const bool openai = path == "/v1/chat/completions" || path == "/chat/completions";
    const bool anthropic = path == "/v1/messages";
    const bool responses = path == "/v1/responses" || path == "/responses";
    RequestTarget gemini_target;
    const bool gemini = parse_gemini_path(path, &gemini_target);
    if (openai || anthropic || responses || gemini) {
      if (!post) {
        send_json(req, 405, "{\"error\":\"use POST\"}");
        return;
      }
      if (gemini) impl->handle_llm(req, Protocol::kGemini, gemini_target);
      else impl->handle_llm(req, openai ? Protocol::kOpenAI : responses ? Protocol::kOpenAIResponses : Protocol::kAnthropic);
    } else if (path == "/stats" && get) {
      send_json(req, 200, impl->stats_json());
    } else if (path == "/script" && post) {
      std::string err;
      if (impl->load_script(request_body(req), &err))
        send_json(req, 200, "{\"ok\":true}");
      else
        send_json(req, 400, "{\"ok\":false,\"error\":" + json_string(err) + "}");
    } else if (path == "/reset" && post) {
      impl->reset();
      send_json(req, 200, "{\"ok\":true}");
    } else if (path == "/health" && get) {
      send_json(req, 200, "{\"ok\":true}");
    } else if (impl->demo_tools.handle(req, path, impl->base)) {
    } else {
      send_json(req, 404, "{\"error\":\"no such endpoint\"}");
    }
  }

  // ---- control (any thread) -----------------------------------------------

  std::string stats_json() const {
    std::lock_guard<std::mutex> lock(mu);
    return stats.to_json();
  }

  std::string seen_json() const {
    std::lock_guard<std::mutex> lock(mu);
    return "{\"stats\":" + stats.to_json() + "," + journal.to_json_members() + "}";
  }

  bool load_script(const std::string &json, std::string *err) {
    Script script;
    if (!parse_script(json, &script, err)) return false;
    auto player_new = std::make_unique<Player>(std::move(script));
    std::lock_guard<std::mutex> lock(mu);
    player = std::move(player_new);
    return true;
  }

  void reset() {
    std::lock_guard<std::mutex> lock(mu);
    const int64_t active = stats.active_streams;  // still under way: keep them balanced
    stats = Stats();
    stats.active_streams = active;
    journal.clear();
    player->rearm();
  }

  // ---- lifecycle --------------------------------------------------------------

  static void on_wake(evutil_socket_t fd, short, void *arg) {
    uint64_t v;
    while (read(fd, &v, sizeof v) > 0) {
    }
    event_base_loopbreak(static_cast<Impl *>(arg)->base);
  }

  void run() {
    // The host's signals are not ours, and a write to a client that left
    // must return EPIPE here instead of raising SIGPIPE.
    sigset_t set;
    sigfillset(&set);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    event_base_dispatch(base);
  }

  bool init(std::string *err) {
    Script script;
    const std::string &text = options.script_json.empty() ? std::string(default_script_json()) : options.script_json;
    if (!parse_script(text, &script, err)) return false;
    player = std::make_unique<Player>(std::move(script));

    event_config *cfg = event_config_new();
    if (cfg) event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);  // one thread only touches it
    // Precise timers, so chunk_gap_ms of 1 is 1 ms, not the coarse clock's ~4.
    if (cfg) event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    base = cfg ? event_base_new_with_config(cfg) : nullptr;
    if (cfg) event_config_free(cfg);
    if (!base) return fail(err, "event_base_new failed");
    http = evhttp_new(base);
    if (!http) return fail(err, "evhttp_new failed");
    evhttp_set_timeout(http, options.idle_timeout_s);
    evhttp_set_max_body_size(http, kMaxBodyBytes);
    evhttp_set_gencb(http, on_request, this);

    const std::string where = (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) +
                              ":" + std::to_string(options.port);
    // (evutil_parse_sockaddr_port refuses port 0.)
    sockaddr_storage ss{};
    int len = 0;
    if (options.port < 0 || options.port > 65535) return fail(err, "bad port " + std::to_string(options.port));
    auto *v4 = reinterpret_cast<sockaddr_in *>(&ss);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ss);
    if (evutil_inet_pton(AF_INET, options.host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(options.port));
      len = sizeof *v4;
    } else if (evutil_inet_pton(AF_INET6, options.host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(options.port));
      len = sizeof *v6;
    } else {
      return fail(err, "bad listen address " + where + " (a numeric address is needed)");
    }
    evconnlistener *listener =
        evconnlistener_new_bind(base, nullptr, nullptr, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                                kListenBacklog, reinterpret_cast<sockaddr *>(&ss), len);
    if (!listener) return fail(err, "cannot listen on " + where + ": " + strerror(errno));
    if (!evhttp_bind_listener(http, listener)) {
      evconnlistener_free(listener);
      return fail(err, "evhttp_bind_listener failed");
    }
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    if (getsockname(evconnlistener_get_fd(listener), reinterpret_cast<sockaddr *>(&bound), &blen) != 0)
      return fail(err, std::string("getsockname: ") + strerror(errno));
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);

    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) return fail(err, std::string("eventfd: ") + strerror(errno));
    wake_ev = event_new(base, wake_fd, EV_READ | EV_PERSIST, on_wake, this);
    if (!wake_ev || event_add(wake_ev, nullptr) != 0) return fail(err, "event_new failed");
    return true;
  }

  static bool fail(std::string *err, const std::string &what) {
    if (err) *err = what;
    return false;
  }

  // After the thread ended (or never started): free everything here.
  void release() {
    for (Stream *s : std::unordered_set<Stream *>(streams)) {
      evhttp_connection_set_closecb(s->evcon, nullptr, nullptr);
      finish(s, Outcome::kServerStopped);  // the request goes with its connection
    }
    demo_tools.stop();
    if (http) evhttp_free(http);
    http = nullptr;
    if (wake_ev) event_free(wake_ev);
    wake_ev = nullptr;
    if (wake_fd >= 0) close(wake_fd);
    wake_fd = -1;
    if (base) event_base_free(base);
    base = nullptr;
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

std::unique_ptr<Server> Server::start(const Options &options, std::string *err) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->journal.limit = options.journal_limit;
  if (!impl->init(err)) {
    impl->release();
    return nullptr;
  }
  Impl *raw = impl.get();
  try {
    impl->thread = std::thread([raw] { raw->run(); });
  } catch (const std::exception &e) {
    if (err) *err = std::string("cannot start the server thread: ") + e.what();
    impl->release();
    return nullptr;
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::url() const {
  const std::string &h = impl_->options.host;
  return "http://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(impl_->port);
}

std::string Server::stats_json() const { return impl_->stats_json(); }

std::string Server::seen_json() const { return impl_->seen_json(); }

bool Server::load_script(const std::string &json, std::string *err) { return impl_->load_script(json, err); }

void Server::reset() { impl_->reset(); }

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->thread.joinable()) {
    const uint64_t one = 1;
    while (write(impl_->wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    impl_->thread.join();
  }
  impl_->release();
}

}  // namespace toolorch::mockllm
