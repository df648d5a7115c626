// What the http tests share: their own loop, a test server on loopback and
// a client on that loop. Include after <cmocka.h>.
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"
#include "http_test_loop.h"
#include "test_http_server.h"

namespace toolorch::test {

struct HttpFixture {
  TestLoop loop;
  TestHttpServer server;
  std::unique_ptr<http::Client> client;

  explicit HttpFixture(const http::Client::Options &options = {}) {
    std::string err;
    if (!server.start(&err)) fail_msg("%s", err.c_str());
    client = http::Client::create(loop.base(), options, &err);
    if (!client) fail_msg("%s", err.c_str());
  }
};

}  // namespace toolorch::test
