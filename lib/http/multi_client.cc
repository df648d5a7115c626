#include "http/multi_client.h"

#include <event2/event.h>

#include "http/curl_global.h"
#include "toolorch/status.h"

namespace toolorch::http {
namespace {

// Easy handles are costly to create (several KiB each); finished ones are
// reset and reused, up to this many kept idle.
constexpr size_t kMaxSpareEasyHandles = 256;

}  // namespace

std::unique_ptr<Client> MultiClient::make(event_base *base, const Options &options, std::string *err) {
  if (!base) {
    if (err) *err = "event_base is NULL";
    return nullptr;
  }
  if (!ensure_curl_global_init(err)) return nullptr;
  std::unique_ptr<MultiClient> client(new MultiClient(base));
  if (!client->init(options, err)) return nullptr;
  return client;
}

bool MultiClient::init(const Options &options, std::string *err) {
  multi_ = curl_multi_init();
  curl_timer_ = evtimer_new(base_, &MultiClient::on_timeout, this);
  deferred_ev_ = evtimer_new(base_, &MultiClient::on_deferred, this);
  if (!multi_ || !curl_timer_ || !deferred_ev_) {
    if (err) *err = "out of memory creating the curl multi handle or its timers";
    return false;
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &MultiClient::on_socket_wanted);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &MultiClient::on_timeout_wanted);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  if (options.max_total_connections > 0)
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_total_connections);
  if (options.max_host_connections > 0)
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
  if (options.max_pooled_connections > 0)
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options.max_pooled_connections);
  live_.reserve(64);
  return true;
}

MultiClient::~MultiClient() {
  closing_ = true;
  // Unfinished transfers leave the multi handle prematurely, which makes
  // libcurl close (not pool) their connections. No user callback runs.
  while (all_) {
    Transfer *t = all_;
    t->cancelled = true;
    detach(t, /*finished=*/false);
    destroy(t);
  }
  live_.clear();
  deferred_.clear();
  // Closes the pooled connections; libcurl tells on_socket_wanted to drop
  // their events, so the base must still be alive here (it is borrowed).
  if (multi_) curl_multi_cleanup(multi_);
  if (curl_timer_) event_free(curl_timer_);
  if (deferred_ev_) event_free(deferred_ev_);
  for (CURL *e : spare_easy_) curl_easy_cleanup(e);
}

TransferId MultiClient::start(Request request, Callbacks callbacks) {
  auto *t = new Transfer;
  t->id = next_id_++;
  t->request = std::move(request);
  t->callbacks = std::move(callbacks);
  t->next = all_;
  if (all_) all_->prev = t;
  all_ = t;
  live_.emplace(t->id, t);
  ++stats_.started;

  std::string err;
  t->easy = take_easy();
  if (!t->easy) {
    fail_later(t, "could not create a libcurl easy handle");
  } else if (!configure_easy(t, &err)) {
    fail_later(t, std::move(err));
  } else if (in_curl_ > 0) {
    defer(t);  // called from a callback inside libcurl: add it once libcurl returns
  } else {
    add_to_multi(t);
  }
  return t->id;
}

bool MultiClient::cancel(TransferId id) {
  auto it = live_.find(id);
  if (it == live_.end()) return false;
  Transfer *t = it->second;
  live_.erase(it);
  t->cancelled = true;  // from here on no user callback of t runs
  ++stats_.cancelled;
  if (t->queued || in_curl_ > 0) {
    // Inside libcurl the easy handle cannot leave the multi handle; its data
    // callbacks now return 0, which aborts it, and run_deferred() removes it
    // as soon as libcurl returns.
    defer(t);
    return true;
  }
  detach(t, /*finished=*/false);
  destroy(t);
  return true;
}

Stats MultiClient::stats() const {
  Stats s = stats_;
  s.active = live_.size();
  return s;
}

int MultiClient::on_socket_wanted(CURL *easy, curl_socket_t s, int what, void *self, void *sockp) {
  auto *c = static_cast<MultiClient *>(self);
  auto *ev = static_cast<event *>(sockp);
  if (what == CURL_POLL_REMOVE) {
    if (ev) {
      event_free(ev);  // safe even when we run inside this event's callback
      --c->stats_.sockets;
    }
    return 0;
  }
  short kind = EV_PERSIST;
  if (what & CURL_POLL_IN) kind |= EV_READ;
  if (what & CURL_POLL_OUT) kind |= EV_WRITE;
  if (!ev) {
    ev = event_new(c->base_, s, kind, &MultiClient::on_socket_ready, c);
    if (!ev) {
      c->record_loop_error(easy);
      return 0;
    }
    ++c->stats_.sockets;
    curl_multi_assign(c->multi_, s, ev);
  } else {
    event_del(ev);
    event_assign(ev, c->base_, s, kind, &MultiClient::on_socket_ready, c);
  }
  if ((kind & (EV_READ | EV_WRITE)) != 0 && event_add(ev, nullptr) != 0) c->record_loop_error(easy);
  return 0;
}

int MultiClient::on_timeout_wanted(CURLM *, long timeout_ms, void *self) {
  auto *c = static_cast<MultiClient *>(self);
  if (timeout_ms < 0) {
    evtimer_del(c->curl_timer_);
    return 0;
  }
  // Never curl_multi_socket_action from here (curl#3537, #8282): even a
  // 0 ms timeout goes through the loop and fires on its next pass.
  timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  if (evtimer_add(c->curl_timer_, &tv) != 0) {
    c->timer_failed_ = true;  // on_deferred drives libcurl instead
    static const timeval now{0, 0};
    evtimer_add(c->deferred_ev_, &now);
  }
  return 0;
}

void MultiClient::on_socket_ready(evutil_socket_t fd, short what, void *self) {
  int mask = 0;
  if (what & EV_READ) mask |= CURL_CSELECT_IN;
  if (what & EV_WRITE) mask |= CURL_CSELECT_OUT;
  static_cast<MultiClient *>(self)->drive(fd, mask);
}

void MultiClient::on_timeout(evutil_socket_t, short, void *self) {
  static_cast<MultiClient *>(self)->drive(CURL_SOCKET_TIMEOUT, 0);
}

void MultiClient::on_deferred(evutil_socket_t, short, void *self) {
  auto *c = static_cast<MultiClient *>(self);
  if (c->timer_failed_) {
    c->timer_failed_ = false;
    c->drive(CURL_SOCKET_TIMEOUT, 0);  // runs the deferred work after it
  } else {
    c->run_deferred();
  }
}

void MultiClient::drive(curl_socket_t s, int ev_bitmask) {
  int running = 0;
  ++in_curl_;
  // Errors here (CURLM_BAD_SOCKET for a socket libcurl closed meanwhile)
  // concern no transfer in particular; each transfer's own end comes
  // through curl_multi_info_read.
  curl_multi_socket_action(multi_, s, ev_bitmask, &running);
  --in_curl_;
  collect_finished();
  run_deferred();
}

void MultiClient::collect_finished() {
  CURLMsg *msg;
  int left = 0;
  while ((msg = curl_multi_info_read(multi_, &left)) != nullptr) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    char *priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto *t = reinterpret_cast<Transfer *>(priv);
    // A cancelled transfer is on the deferred list, which removes it.
    if (!t || t->cancelled) continue;
    if (t->queued) {
      // Queued for a loop error, yet libcurl finished it: its own verdict
      // wins, delivered by run_deferred (which owns queued transfers).
      t->loop_error = false;
      t->finished = true;
      t->finished_code = code;
      continue;
    }
    detach(t, /*finished=*/true);
    settle_result(t, code);
    complete(t);
  }
}

void MultiClient::run_deferred() {
  if (in_curl_ > 0 || deferred_.empty()) return;
  std::vector<Transfer *> batch;
  batch.swap(deferred_);
  for (Transfer *t : batch) {
    // Cleared one by one: a callback below may cancel a later one, which
    // must then stay queued rather than be deleted under our feet.
    t->queued = false;
    if (t->cancelled) {
      detach(t, /*finished=*/false);
      destroy(t);
    } else if (t->early_status != 0) {
      t->result.status = t->early_status;
      t->result.error = std::move(t->early_error);
      complete(t);
    } else if (t->finished) {
      detach(t, /*finished=*/true);
      settle_result(t, t->finished_code);
      complete(t);
    } else if (t->loop_error) {
      detach(t, /*finished=*/false);
      t->result.status = TOOLORCH_EHTTP;
      t->result.error = "the event loop could not watch the transfer's socket";
      complete(t);
    } else if (!t->in_multi) {
      add_to_multi(t);
    }
  }
  if (deferred_.empty()) {  // keep the capacity for the next batch
    batch.clear();
    deferred_.swap(batch);
  }
}

void MultiClient::defer(Transfer *t) {
  if (closing_) return;
  if (!t->queued) {
    t->queued = true;
    deferred_.push_back(t);
  }
  // Needed when nothing inside libcurl is running (a start that failed
  // early must not call on_done from inside start()).
  if (!evtimer_pending(deferred_ev_, nullptr)) {
    static const timeval now{0, 0};
    evtimer_add(deferred_ev_, &now);
  }
}

void MultiClient::fail_later(Transfer *t, std::string error) {
  t->early_status = TOOLORCH_EHTTP;
  t->early_error = std::move(error);
  defer(t);
}

bool MultiClient::add_to_multi(Transfer *t) {
  CURLMcode rc = curl_multi_add_handle(multi_, t->easy);
  if (rc != CURLM_OK) {
    fail_later(t, std::string("curl_multi_add_handle failed: ") + curl_multi_strerror(rc));
    return false;
  }
  t->in_multi = true;
  return true;
}

void MultiClient::detach(Transfer *t, bool finished) {
  if (!t->in_multi) return;
  // An unfinished transfer's connection must not go back to the pool: the
  // server has to see the close. libcurl closes it on a premature removal;
  // forbidding reuse says the same for the states where it might not.
  if (!finished) curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L);
  curl_multi_remove_handle(multi_, t->easy);
  t->in_multi = false;
}

void MultiClient::complete(Transfer *t) {
  live_.erase(t->id);
  ++stats_.completed;
  if (t->result.status != TOOLORCH_OK) ++stats_.failed;
  // Taken out first: on_done may start or cancel transfers, and t is gone
  // before it runs, so cancel(t->id) inside it just returns false.
  std::function<void(Result &&)> done = std::move(t->callbacks.on_done);
  Result result = std::move(t->result);
  destroy(t);
  if (!done) return;
  try {
    done(std::move(result));
  } catch (...) {
    // Nothing can be told: an exception must not unwind through libevent.
  }
}

void MultiClient::destroy(Transfer *t) {
  if (t->prev) t->prev->next = t->next;
  else all_ = t->next;
  if (t->next) t->next->prev = t->prev;
  if (t->easy) recycle_easy(t->easy);
  curl_slist_free_all(t->header_list);
  delete t;
}

void MultiClient::record_loop_error(CURL *easy) {
  char *priv = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
  auto *t = reinterpret_cast<Transfer *>(priv);
  if (!t || t->cancelled || closing_) return;
  // libcurl cannot be told from inside its socket callback: fail the
  // transfer on the next pass instead.
  t->loop_error = true;
  defer(t);
}

CURL *MultiClient::take_easy() {
  if (spare_easy_.empty()) return curl_easy_init();
  CURL *e = spare_easy_.back();
  spare_easy_.pop_back();
  return e;
}

void MultiClient::recycle_easy(CURL *easy) {
  if (spare_easy_.size() >= kMaxSpareEasyHandles) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);  // drops every option, the Transfer pointers with them
  spare_easy_.push_back(easy);
}

}  // namespace toolorch::http
