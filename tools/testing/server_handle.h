// The server handle of include/toolorch/testing.h (shared with the
// expectations that read what the server saw).
#pragma once

#include <toolorch/testing.h>

#include <memory>
#include <mutex>
#include <string>

#include "mockllm/mock_server.h"

struct toolorch_testing_server {
  std::unique_ptr<toolorch::mockllm::Server> server;
  std::string url;
  std::mutex mu;     // guards seen
  std::string seen;  // the last toolorch_testing_server_seen answer
};
