#include "limits/redis_cluster.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace toolorch::limits {

using loop::Micros;

namespace {

constexpr int kMaxRedirects = 5;
constexpr Micros kRefreshEvery = 1000000;  // at most one CLUSTER NODES a second

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial 0, as the cluster
// specification gives it.
uint16_t crc16(std::string_view s) {
  uint16_t crc = 0;
  for (unsigned char c : s) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : crc << 1;
  }
  return crc;
}

// "ip:port" (IPv6 in brackets or not) -> host and port; false if unreadable.
bool split_addr(const std::string &addr, std::string *host, int *port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon + 1 >= addr.size()) return false;
  std::string h = addr.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  char *end = nullptr;
  long p = std::strtol(addr.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 1 || p > 65535) return false;
  *host = h;
  *port = static_cast<int>(p);
  return true;
}

}  // namespace

struct RedisCluster::Request {
  int script;
  std::vector<std::string> keys, args;
  Micros deadline;
  Callback cb, late;
  int redirects = 0;
};

RedisCluster::RedisCluster(loop::Scheduler *sched, event_base *base, RedisClient::Options opts)
    : sched_(sched), base_(base), opts_(std::move(opts)), slots_(kSlots, nullptr) {
  refresh_timer_ = sched_->make_timer([this] { refresh(); });
}

RedisCluster::~RedisCluster() {
  // The clients drop their pending requests without callbacks.
  nodes_.clear();
}

int RedisCluster::key_slot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) & (kSlots - 1);
}

int RedisCluster::add_script(const std::string &text) {
  scripts_.push_back(text);
  for (auto &[addr, c] : nodes_) c->add_script(text);  // none before start(), normally
  return static_cast<int>(scripts_.size()) - 1;
}

void RedisCluster::start() {
  if (started_) return;
  started_ = true;
  for (const RedisAddress::Node &seed : opts_.address.seeds) node(seed.host, seed.port);
  if (nodes_.empty()) node(opts_.address.host, opts_.address.port);
}

RedisClient *RedisCluster::node(const std::string &host, int port) {
  std::string key = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  auto it = nodes_.find(key);
  if (it != nodes_.end()) return it->second.get();
  RedisClient::Options o = opts_;
  o.address.host = host;
  o.address.port = port;
  o.address.db = 0;
  o.address.cluster = false;
  o.address.seeds.clear();
  auto client = std::make_unique<RedisClient>(sched_, base_, o);
  for (const std::string &s : scripts_) client->add_script(s);
  RedisClient *c = client.get();
  c->set_state_listener([this](State, const std::string &why) { on_node_state(why); });
  nodes_.emplace(key, std::move(client));
  if (started_) c->start();
  return c;
}

RedisClient *RedisCluster::any_node() const {
  RedisClient *fallback = nullptr;
  for (const auto &[addr, c] : nodes_) {
    if (c->state() == State::kReady) return c.get();
    if (!fallback || c->state() == State::kConnecting) fallback = c.get();
  }
  return fallback;
}

std::string RedisCluster::owner_of(int slot) const {
  if (slot < 0 || slot >= kSlots || !slots_[static_cast<size_t>(slot)]) return "";
  for (const auto &[addr, c] : nodes_)
    if (c.get() == slots_[static_cast<size_t>(slot)]) return addr;
  return "";
}

RedisLink::Counters RedisCluster::counters() const {
  Counters sum;
  for (const auto &[addr, c] : nodes_) {
    const Counters &n = c->counters();
    sum.connects += n.connects;
    sum.disconnects += n.disconnects;
    sum.timeouts += n.timeouts;
    sum.noscript += n.noscript;
    sum.errors += n.errors;
  }
  return sum;
}

void RedisCluster::on_node_state(const std::string &why) {
  bool ready = false, connecting = false, down = false;
  for (const auto &[addr, c] : nodes_) {
    ready |= c->state() == State::kReady;
    connecting |= c->state() == State::kConnecting;
    down |= c->state() == State::kDown;
  }
  // A node came up and the map is unknown, or a node went down (its slots
  // may have moved to a replica): ask for the map.
  if ((ready && !map_loaded_) || down) refresh_soon();
  State s = ready ? State::kReady : connecting ? State::kConnecting : State::kDown;
  if (s == state_) return;
  state_ = s;
  if (listener_) listener_(s, why);
}

void RedisCluster::refresh_soon() {
  if (refreshing_ || refresh_timer_->armed()) return;
  Micros now = sched_->now_us();
  Micros at = last_refresh_ == 0 ? now : std::max(now, last_refresh_ + kRefreshEvery);
  refresh_timer_->arm_at(at);
}

void RedisCluster::refresh() {
  RedisClient *c = any_node();
  if (!c || c->state() != State::kReady) return;  // the next node to come up asks
  std::string asked;
  for (const auto &[addr, n] : nodes_)
    if (n.get() == c) asked = addr;
  std::string host;
  int port = 0;
  split_addr(asked, &host, &port);
  refreshing_ = true;
  last_refresh_ = sched_->now_us();
  c->command({"CLUSTER", "NODES"}, opts_.connect_timeout_us, [this, host](const Reply &r) {
    refreshing_ = false;
    if (!r.ok || r.items.empty() || !apply_nodes(r.items[0], host)) refresh_soon();
  });
}

// CLUSTER NODES: one line per node,
//   <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
// where a slot is "n", "a-b", or "[n->-id]"/"[n-<-id]" (migrating: skipped).
bool RedisCluster::apply_nodes(const std::string &text, const std::string &asked_host) {
  std::vector<RedisClient *> slots(kSlots, nullptr);
  bool any = false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    if (w.size() < 9) continue;
    const std::string &flags = w[2];
    if (flags.find("master") == std::string::npos || flags.find("noaddr") != std::string::npos) continue;
    std::string addr = w[1].substr(0, w[1].find('@'));
    std::string host;
    int port = 0;
    if (!split_addr(addr, &host, &port)) continue;
    if (host.empty()) host = asked_host;  // a node that does not know its own IP yet
    RedisClient *c = node(host, port);
    for (size_t i = 8; i < w.size(); ++i) {
      const std::string &range = w[i];
      if (range.empty() || range[0] == '[') continue;
      char *end = nullptr;
      long lo = std::strtol(range.c_str(), &end, 10), hi = lo;
      if (*end == '-') hi = std::strtol(end + 1, &end, 10);
      if (*end != '\0' || lo < 0 || hi >= kSlots || lo > hi) continue;
      for (long s = lo; s <= hi; ++s) slots[static_cast<size_t>(s)] = c;
      any = true;
    }
  }
  if (!any) return false;
  slots_.swap(slots);
  map_loaded_ = true;
  return true;
}

void RedisCluster::eval(int script, const std::vector<std::string> &keys, const std::vector<std::string> &args,
                        Micros timeout_us, Callback cb, Callback late) {
  auto r = std::make_shared<Request>();
  r->script = script;
  r->keys = keys;
  r->args = args;
  r->deadline = sched_->now_us() + timeout_us;
  r->cb = std::move(cb);
  r->late = std::move(late);
  RedisClient *to = keys.empty() ? nullptr : slots_[static_cast<size_t>(key_slot(keys[0]))];
  // Before the map is known: any node; a MOVED sends it on.
  if (!to) to = any_node();
  if (!to) to = node(opts_.address.host, opts_.address.port);
  send(std::move(r), to, false);
}

void RedisCluster::send(std::shared_ptr<Request> r, RedisClient *to, bool asking) {
  Micros left = std::max<Micros>(1, r->deadline - sched_->now_us());
  if (asking) to->command({"ASKING"}, left, [](const Reply &) {});
  // Callbacks run from the client's timer, never inside hiredis: sending on
  // from inside one is allowed.
  to->eval(
      r->script, r->keys, r->args, left,
      [this, r](const Reply &rep) {
        if (!rep.ok && follow_redirect(r, rep.error)) return;
        if (r->cb) r->cb(rep);
      },
      r->late);
}

bool RedisCluster::follow_redirect(const std::shared_ptr<Request> &r, const std::string &error) {
  bool moved = error.compare(0, 6, "MOVED ") == 0, ask = error.compare(0, 4, "ASK ") == 0;
  if (!moved && !ask) return false;
  if (r->redirects >= kMaxRedirects || sched_->now_us() >= r->deadline) return false;
  std::istringstream f(error);
  std::string word, addr, host;
  long slot = -1;
  int port = 0;
  f >> word >> slot >> addr;
  if (slot < 0 || slot >= kSlots || !split_addr(addr, &host, &port)) return false;
  ++r->redirects;
  RedisClient *to = node(host, port);
  if (moved) {
    ++moved_;
    slots_[static_cast<size_t>(slot)] = to;
    refresh_soon();  // more slots have probably moved with it
  } else {
    ++asks_;
  }
  send(r, to, ask);
  return true;
}

}  // namespace toolorch::limits
