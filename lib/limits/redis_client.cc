#include "limits/redis_client.h"

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>

namespace toolorch::limits {

using loop::Micros;

namespace {

RedisClient::Reply convert(const redisReply *r) {
  RedisClient::Reply out;
  if (!r) {
    out.error = "disconnected";
    return out;
  }
  auto one = [](const redisReply *e) -> std::string {
    switch (e->type) {
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS:
      case REDIS_REPLY_ERROR: return std::string(e->str, e->len);
      case REDIS_REPLY_INTEGER: return std::to_string(e->integer);
      default: return std::string();
    }
  };
  if (r->type == REDIS_REPLY_ERROR) {
    out.error = one(r);
    return out;
  }
  out.ok = true;
  if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; ++i) out.items.push_back(one(r->element[i]));
  } else if (r->type != REDIS_REPLY_NIL) {
    out.items.push_back(one(r));
  }
  return out;
}

}  // namespace

RedisClient::RedisClient(loop::Scheduler *sched, event_base *base, Options opts)
    : sched_(sched), base_(base), opts_(std::move(opts)) {
  jitter_state_ = static_cast<uint64_t>(getpid()) * 0x9E3779B97F4A7C15ull ^
                  static_cast<uint64_t>(sched_->now_us());
  deliver_timer_ = sched_->make_timer([this] { deliver(); });
  deadline_timer_ = sched_->make_timer([this] { on_deadlines(); });
  connect_timer_ = sched_->make_timer([this] { reset("connect timed out"); });
  reconnect_timer_ = sched_->make_timer([this] { connect(); });
}

RedisClient::~RedisClient() {
  destroying_ = true;
  *alive_ = false;
  if (ac_) {
    redisAsyncContext *ac = ac_;
    ac_ = nullptr;
    // Runs every pending hiredis callback with a NULL reply; they see
    // destroying_ and only free their token.
    redisAsyncFree(ac);
  }
}

int RedisClient::add_script(const std::string &text) {
  scripts_.push_back({text, ""});
  return static_cast<int>(scripts_.size()) - 1;
}

void RedisClient::start() {
  if (started_) return;
  started_ = true;
  connect();
}

void RedisClient::set_state(State s, const std::string &why) {
  if (state_ == s) return;
  state_ = s;
  if (listener_) listener_(s, why);
}

void RedisClient::connect() {
  if (destroying_ || ac_) return;
  ++counters_.connect_attempts;
  const RedisAddress &a = opts_.address;
  redisAsyncContext *ac = a.unix_path.empty() ? redisAsyncConnect(a.host.c_str(), a.port)
                                              : redisAsyncConnectUnix(a.unix_path.c_str());
  if (!ac) {
    on_down("cannot allocate a connection");
    return;
  }
  if (ac->err) {
    std::string why = ac->errstr ? ac->errstr : "connect failed";
    redisAsyncFree(ac);  // ours alone, not inside any hiredis callback
    on_down(why);
    return;
  }
  ac->data = this;
  if (redisLibeventAttach(ac, base_) != REDIS_OK) {
    redisAsyncFree(ac);
    on_down("cannot attach to the event loop");
    return;
  }
  redisAsyncSetConnectCallback(ac, &RedisClient::on_connect);
  redisAsyncSetDisconnectCallback(ac, &RedisClient::on_disconnect);
  ac_ = ac;
  set_state(State::kConnecting, "connecting");
  connect_timer_->arm_at(sched_->now_us() + opts_.connect_timeout_us);
  handshake();
}

// Queued on the new connection before anything else, so every later
// command runs authenticated, in the right database, with the scripts known.
void RedisClient::handshake() {
  const RedisAddress &a = opts_.address;
  Micros t = opts_.connect_timeout_us;
  auto check = [this](const char *what) {
    return [this, what](const Reply &r) {
      if (!r.ok && r.error != "disconnected" && r.error != "redis unavailable") {
        ++counters_.errors;
        // The reply text never holds the password; ours neither.
        reset(std::string(what) + " failed: " + r.error);
      }
    };
  };
  if (!a.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!a.user.empty()) auth.push_back(a.user);
    auth.push_back(a.password);
    command(auth, t, check("AUTH"));
  }
  if (a.db != 0) command({"SELECT", std::to_string(a.db)}, t, check("SELECT"));
  for (size_t i = 0; i < scripts_.size(); ++i) {
    command({"SCRIPT", "LOAD", scripts_[i].text}, t, [this, i](const Reply &r) {
      if (r.ok && !r.items.empty()) scripts_[i].sha = r.items[0];
    });
  }
}

void RedisClient::on_connect(const redisAsyncContext *ac, int status) {
  auto *self = static_cast<RedisClient *>(ac->data);
  if (!self || self->destroying_) return;
  if (status != REDIS_OK) {
    // hiredis frees the context when this returns.
    self->ac_ = nullptr;
    self->on_down(ac->errstr ? ac->errstr : "connect failed");
    return;
  }
  self->on_up();
}

void RedisClient::on_disconnect(const redisAsyncContext *ac, int) {
  auto *self = static_cast<RedisClient *>(ac->data);
  if (!self || self->destroying_) return;
  // hiredis frees the context when this returns.
  if (self->ac_ == ac) self->ac_ = nullptr;
  ++self->counters_.disconnects;
  self->on_down(ac->errstr && ac->err ? ac->errstr : "disconnected");
}

void RedisClient::on_up() {
  connect_timer_->disarm();
  reconnect_attempt_ = 0;
  ++counters_.connects;
  set_state(State::kReady, "connected");
}

void RedisClient::on_down(const std::string &why) {
  if (destroying_) return;
  connect_timer_->disarm();
  set_state(State::kDown, why);
  if (reconnect_timer_->armed()) return;
  // Exponential backoff with +-25% jitter.
  double base = static_cast<double>(opts_.reconnect_min_us);
  for (int i = 0; i < reconnect_attempt_ && base < opts_.reconnect_max_us; ++i) base *= 2;
  base = std::min(base, static_cast<double>(opts_.reconnect_max_us));
  jitter_state_ = jitter_state_ * 6364136223846793005ull + 1442695040888963407ull;
  double j = 0.75 + 0.5 * static_cast<double>(jitter_state_ >> 11) / static_cast<double>(1ull << 53);
  ++reconnect_attempt_;
  reconnect_timer_->arm_at(sched_->now_us() + static_cast<Micros>(base * j));
}

void RedisClient::reset(const std::string &why) {
  // Only ever called from our timers or deliveries, never inside hiredis.
  if (ac_) {
    redisAsyncContext *ac = ac_;
    ac_ = nullptr;
    redisAsyncFree(ac);  // pending callbacks get NULL: "disconnected"
  }
  on_down(why);
}

uint64_t RedisClient::add_request(Request r) {
  uint64_t id = next_id_++;
  auto &req = requests_.emplace(id, std::move(r)).first->second;
  deadlines_.insert({req.deadline, id});
  arm_deadline_timer();
  if (state_ == State::kDown || !ac_) {
    answer(id, Kind::kReply, Reply{false, "redis unavailable", {}});
  } else {
    send(id, req);
  }
  return id;
}

void RedisClient::eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
                       Micros timeout_us, Callback cb, Callback late) {
  Request r;
  r.script = script;
  r.argv = keys;
  r.argv.insert(r.argv.end(), args.begin(), args.end());
  r.nkeys = keys.size();
  r.cb = std::move(cb);
  r.late = std::move(late);
  r.deadline = sched_->now_us() + timeout_us;
  add_request(std::move(r));
}

void RedisClient::command(const std::vector<std::string> &argv, Micros timeout_us, Callback cb) {
  Request r;
  r.argv = argv;
  r.cb = std::move(cb);
  r.deadline = sched_->now_us() + timeout_us;
  add_request(std::move(r));
}

void RedisClient::send(uint64_t id, Request &r) {
  std::vector<std::string> head;
  if (r.script >= 0) {
    const Script &s = scripts_[static_cast<size_t>(r.script)];
    r.sent_eval = s.sha.empty() || r.sent_eval;
    head = {r.sent_eval ? "EVAL" : "EVALSHA", r.sent_eval ? s.text : s.sha, std::to_string(r.nkeys)};
  }
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (const auto *part : {&head, &r.argv})
    for (const std::string &s : *part) {
      argv.push_back(s.data());
      lens.push_back(s.size());
    }
  auto *token = new Token{this, id};
  if (redisAsyncCommandArgv(ac_, &RedisClient::on_reply, token, static_cast<int>(argv.size()), argv.data(),
                            lens.data()) != REDIS_OK) {
    delete token;
    answer(id, Kind::kReply, Reply{false, "redis unavailable", {}});
    return;
  }
  r.in_hiredis = true;
}

void RedisClient::on_reply(redisAsyncContext *, void *reply, void *privdata) {
  auto *token = static_cast<Token *>(privdata);
  RedisClient *self = token->self;
  uint64_t id = token->id;
  delete token;
  if (self->destroying_) return;
  Reply rep = convert(static_cast<redisReply *>(reply));
  if (reply) self->consecutive_timeouts_ = 0;
  auto it = self->requests_.find(id);
  if (it == self->requests_.end()) return;
  Request &r = it->second;
  r.in_hiredis = false;
  if (!r.answered) {
    self->answer(id, Kind::kReply, std::move(rep));
  } else if (rep.ok && r.late) {
    r.late_pending = true;
    self->answer(id, Kind::kLate, std::move(rep));
  } else {
    self->maybe_erase(id);
  }
}

void RedisClient::maybe_erase(uint64_t id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  const Request &r = it->second;
  if (r.in_hiredis || !r.delivered || r.late_pending) return;
  deadlines_.erase({r.deadline, id});
  requests_.erase(it);
}

void RedisClient::answer(uint64_t id, Kind kind, Reply reply) {
  if (kind != Kind::kLate) requests_[id].answered = true;
  ready_.push_back({id, kind, std::move(reply)});
  deliver_timer_->arm_at(sched_->now_us());
}

void RedisClient::deliver() {
  std::vector<Ready> batch;
  batch.swap(ready_);
  std::weak_ptr<bool> alive = alive_;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (alive.expired()) return;
    Ready &rd = batch[i];
    auto it = requests_.find(rd.id);
    if (it == requests_.end()) continue;
    Request &r = it->second;
    Callback cb;
    if (rd.kind == Kind::kLate) {
      cb = std::move(r.late);
      r.late_pending = false;
    } else {
      if (rd.kind == Kind::kReply && !rd.reply.ok && rd.reply.error.compare(0, 8, "NOSCRIPT") == 0 &&
          r.script >= 0 && !r.sent_eval && ac_) {
        // The server lost its script cache (SCRIPT FLUSH, a restart, a
        // failover): send the text, which caches it again.
        ++counters_.noscript;
        r.answered = false;
        r.sent_eval = true;
        send(rd.id, r);
        continue;
      }
      if (!rd.reply.ok && rd.kind == Kind::kReply) ++counters_.errors;
      cb = std::move(r.cb);
      r.delivered = true;
    }
    maybe_erase(rd.id);
    if (cb) cb(rd.reply);
  }
}

void RedisClient::arm_deadline_timer() {
  // Deadlines of answered requests are kept only while hiredis still holds
  // them; skip them when arming.
  for (const auto &[at, id] : deadlines_) {
    auto it = requests_.find(id);
    if (it != requests_.end() && !it->second.answered) {
      deadline_timer_->arm_at(at);
      return;
    }
  }
  deadline_timer_->disarm();
}

void RedisClient::on_deadlines() {
  Micros now = sched_->now_us();
  bool stalled = false;
  for (const auto &[at, id] : deadlines_) {
    if (at > now) break;
    auto it = requests_.find(id);
    if (it == requests_.end() || it->second.answered) continue;
    ++counters_.timeouts;
    if (it->second.in_hiredis && ++consecutive_timeouts_ >= opts_.stall_timeouts) stalled = true;
    answer(id, Kind::kTimeout, Reply{false, "timeout", {}});
  }
  if (stalled) {
    consecutive_timeouts_ = 0;
    reset("no reply to " + std::to_string(opts_.stall_timeouts) + " requests in a row");
  }
  arm_deadline_timer();
}

}  // namespace toolorch::limits
