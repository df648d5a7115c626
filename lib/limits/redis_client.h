// A hiredis *async* connection on the loop's libevent base, with what
// hiredis 0.14 lacks or gets wrong for us:
//  - a deadline per request on our own timers (hiredis has only one
//    timeout per connection, and it fails every pending command). A timed
//    out request is answered "timeout" at once; should its reply still
//    come, it goes to the request's `late` callback (so a grant nobody
//    waits for can be refunded). Several timeouts in a row with no reply
//    between mean the server is stuck: the connection is dropped.
//  - no name resolution on the loop: only numeric addresses (redis_url.h).
//  - callbacks never run inside hiredis: replies are copied and handed
//    over from a timer on the loop, so a callback may free this client or
//    issue commands; the context itself is freed only from our timers or
//    the destructor, never from inside a hiredis callback.
//  - EVALSHA with the script's SHA (learned by SCRIPT LOAD on each
//    connect); EVAL until it is known, and again on NOSCRIPT.
//  - reconnect with exponential backoff (with jitter, so processes that
//    lost the same server do not return in step).
// Loop thread only. Destroy it before the event_base; requests still
// pending then are dropped without their callbacks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "limits/redis_url.h"
#include "loop/scheduler.h"

struct event_base;
struct redisAsyncContext;

namespace toolorch::limits {

class RedisClient {
 public:
  struct Options {
    RedisAddress address;
    loop::Micros connect_timeout_us = 1000000;
    loop::Micros reconnect_min_us = 100000;
    loop::Micros reconnect_max_us = 5000000;
    int stall_timeouts = 3;  // timeouts in a row that drop the connection
  };
  enum class State { kConnecting, kReady, kDown };
  struct Reply {
    bool ok = false;
    std::string error;               // when !ok: the server's error, "timeout", "disconnected", ...
    std::vector<std::string> items;  // an array reply's elements, or the single value
  };
  using Callback = std::function<void(const Reply &)>;
  using StateListener = std::function<void(State, const std::string &why)>;
  struct Counters {
    uint64_t connects = 0, disconnects = 0, timeouts = 0, noscript = 0, errors = 0;
    uint64_t connect_attempts = 0;  // every connect started, the first and each reconnect
  };

  RedisClient(loop::Scheduler *sched, event_base *base, Options opts);
  ~RedisClient();
  RedisClient(const RedisClient &) = delete;
  RedisClient &operator=(const RedisClient &) = delete;

  // Register scripts before start(); returns the script's index.
  int add_script(const std::string &text);
  void start();

  // cb runs exactly once, later, from the loop (see above).
  void eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
            loop::Micros timeout_us, Callback cb, Callback late = nullptr);
  void command(const std::vector<std::string> &argv, loop::Micros timeout_us, Callback cb);

  State state() const { return state_; }
  // Called on every change of state, from the loop; it must not destroy the client.
  void set_state_listener(StateListener l) { listener_ = std::move(l); }
  const Counters &counters() const { return counters_; }
  size_t pending() const { return requests_.size(); }

 private:
  struct Request {
    int script = -1;                 // -1: a plain command in argv
    std::vector<std::string> argv;   // keys+args for scripts, the command otherwise
    size_t nkeys = 0;
    Callback cb, late;
    loop::Micros deadline = 0;
    bool in_hiredis = false;  // hiredis holds a callback for it
    bool answered = false;    // cb queued (reply, error or timeout)
    bool sent_eval = false;   // this attempt used EVAL (no NOSCRIPT retry)
    bool delivered = false;   // cb has run (or is running)
    bool late_pending = false;  // a late reply waits for delivery
  };
  enum class Kind { kReply, kTimeout, kLate };
  struct Ready {
    uint64_t id;
    Kind kind;
    Reply reply;
  };
  struct Token {  // hiredis privdata
    RedisClient *self;
    uint64_t id;
  };

  uint64_t add_request(Request r);
  void send(uint64_t id, Request &r);
  void answer(uint64_t id, Kind kind, Reply reply);
  void maybe_erase(uint64_t id);
  void deliver();
  void on_deadlines();
  void arm_deadline_timer();
  void connect();
  void reset(const std::string &why);
  void on_up();
  void on_down(const std::string &why);
  void set_state(State s, const std::string &why);
  static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);
  static void on_connect(const redisAsyncContext *ac, int status);
  static void on_disconnect(const redisAsyncContext *ac, int status);
  void handshake();

  loop::Scheduler *sched_;
  event_base *base_;
  Options opts_;
  redisAsyncContext *ac_ = nullptr;
  State state_ = State::kDown;
  bool started_ = false;
  bool destroying_ = false;
  struct Script {
    std::string text, sha;
  };
  std::vector<Script> scripts_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Request> requests_;
  std::set<std::pair<loop::Micros, uint64_t>> deadlines_;
  std::vector<Ready> ready_;
  std::unique_ptr<loop::Timer> deliver_timer_, deadline_timer_, connect_timer_, reconnect_timer_;
  int consecutive_timeouts_ = 0;
  int reconnect_attempt_ = 0;
  uint64_t jitter_state_;
  StateListener listener_;
  Counters counters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace toolorch::limits
