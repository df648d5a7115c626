#include "capi/border.h"

namespace toolorch::capi {
namespace {
struct LastError {
  const void *ctx = nullptr;
  std::string message;
};
thread_local LastError t_last;
thread_local int t_callback_depth = 0;
}  // namespace

CallbackScope::CallbackScope() noexcept { ++t_callback_depth; }
CallbackScope::~CallbackScope() { --t_callback_depth; }
bool in_callback() noexcept { return t_callback_depth > 0; }

void set_error(const void *ctx, std::string message) {
  t_last.ctx = ctx;
  t_last.message = std::move(message);
}

void clear_error(const void *ctx) {
  if (t_last.ctx == ctx) t_last.message.clear();
}

int invalid(const void *ctx, const char *fn, const char *why) noexcept {
  try {
    set_error(ctx, std::string(fn) + ": " + why);
  } catch (...) {
    t_last.ctx = ctx;  // out of memory: at least no stale detail
    t_last.message.clear();
  }
  return TOOLORCH_EINVAL;
}

const char *last_error(const void *ctx) {
  return t_last.ctx == ctx ? t_last.message.c_str() : "";
}

}  // namespace toolorch::capi
