// The base of the tool kinds the library runs itself (HTTP endpoints,
// commands). On top of core::ToolRunner it can be stopped as a whole when
// its context goes away, because its work in flight (transfers, child
// processes) holds loop resources that must be released while the loop
// still exists.
#pragma once

#include "core/tool_registry.h"

namespace toolorch::tools {

class BuiltinRunner : public core::ToolRunner {
 public:
  // On the loop thread, or after the loop stopped (owned mode, from the
  // thread freeing the context): stop all work in flight without finishing
  // its calls (the dispatcher has dropped them), release every fd, event and
  // child process. Calls run afterwards fail at once. Idempotent.
  virtual void shutdown() = 0;
  // Loop thread: operations under way (for tests).
  virtual size_t in_flight() const = 0;
};

}  // namespace toolorch::tools
