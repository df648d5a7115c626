// The Client implementation: one curl multi handle on a borrowed libevent
// base. libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION)
// and when to wake it (CURLMOPT_TIMERFUNCTION); the loop tells libcurl what
// happened (curl_multi_socket_action) and we collect finished transfers.
#pragma once

#include <event2/util.h>

#include <unordered_map>
#include <vector>

#include "http/http_client.h"
#include "http/transfer.h"

struct event;

namespace toolorch::http {

class MultiClient final : public Client {
 public:
  static std::unique_ptr<Client> make(event_base *base, const Options &options, std::string *err);
  ~MultiClient() override;

  MultiClient(const MultiClient &) = delete;
  MultiClient &operator=(const MultiClient &) = delete;

  TransferId start(Request request, Callbacks callbacks) override;
  bool cancel(TransferId id) override;
  Stats stats() const override;

 private:
  explicit MultiClient(event_base *base) : base_(base) {}
  bool init(const Options &options, std::string *err);

  // libcurl -> loop. Neither may call back into libcurl's multi API.
  static int on_socket_wanted(CURL *easy, curl_socket_t s, int what, void *self, void *sockp);
  static int on_timeout_wanted(CURLM *multi, long timeout_ms, void *self);
  // loop -> libcurl.
  static void on_socket_ready(evutil_socket_t fd, short what, void *self);
  static void on_timeout(evutil_socket_t fd, short what, void *self);
  static void on_deferred(evutil_socket_t fd, short what, void *self);

  void drive(curl_socket_t s, int ev_bitmask);
  void collect_finished();
  void run_deferred();
  void defer(Transfer *t);
  void fail_later(Transfer *t, std::string error);
  bool add_to_multi(Transfer *t);
  void detach(Transfer *t, bool finished);
  void complete(Transfer *t);
  void destroy(Transfer *t);
  void record_loop_error(CURL *easy);
  CURL *take_easy();
  void recycle_easy(CURL *easy);

  event_base *base_;
  CURLM *multi_ = nullptr;
  event *curl_timer_ = nullptr;   // armed as libcurl asks; fires socket_action
  event *deferred_ev_ = nullptr;  // 0 ms: work libcurl forbade while it ran
  // > 0 while curl_multi_socket_action runs: user callbacks on the stack are
  // inside libcurl, which forbids adding or removing easy handles.
  int in_curl_ = 0;
  bool closing_ = false;        // the destructor runs: nothing is deferred
  bool timer_failed_ = false;   // libcurl's timer could not be armed
  TransferId next_id_ = 1;
  std::unordered_map<TransferId, Transfer *> live_;  // neither completed nor cancelled
  std::vector<Transfer *> deferred_;                 // each with queued == true
  Transfer *all_ = nullptr;                          // every Transfer not yet deleted
  std::vector<CURL *> spare_easy_;                   // reset handles ready for reuse
  Stats stats_;
};

}  // namespace toolorch::http
