// One transfer's state while it lives inside the Client, and the libcurl
// easy-handle side of it: options, the header and body callbacks, and the
// Result at the end. The multi-handle side lives in multi_client.cc.
#pragma once

#include <curl/curl.h>

#include <string>

#include "http/http_client.h"

namespace toolorch::http {

struct Transfer {
  TransferId id = 0;
  CURL *easy = nullptr;
  curl_slist *header_list = nullptr;
  Request request;  // owned here: libcurl points into request.body
  Callbacks callbacks;
  Result result;

  bool in_multi = false;           // the easy handle is added to the multi handle
  bool cancelled = false;          // no user callback may run any more
  bool queued = false;             // on the Client's deferred list
  bool headers_delivered = false;  // on_headers ran (or was due and absent)
  bool too_big = false;            // max_response_bytes was passed
  bool loop_error = false;         // the loop could not watch one of its sockets
  bool callback_threw = false;     // a user callback threw: the transfer failed
  long block_status = 0;           // status line of the header block being read
  bool finished = false;           // libcurl's verdict arrived while queued
  CURLcode finished_code = CURLE_OK;

  // A failure found before libcurl ran the transfer (reported later).
  int early_status = 0;
  std::string early_error;

  // The Client's intrusive list of every live Transfer (for its destructor).
  Transfer *prev = nullptr;
  Transfer *next = nullptr;

  char errbuf[CURL_ERROR_SIZE];
};

// Sets every option of t->request on t->easy (a fresh or reset handle).
// False, with a reason in *err that holds no header value, when the request
// itself is invalid or libcurl refuses an option.
bool configure_easy(Transfer *t, std::string *err);

// Fills t->result.status / error from libcurl's verdict on the transfer.
void settle_result(Transfer *t, CURLcode code);

// `text` with every request header value (and each long word of one)
// replaced by "***": libcurl's messages must never leak a key.
std::string scrub_header_values(std::string text, const std::vector<std::string> &headers);

}  // namespace toolorch::http
