// The extern "C" border: no exception crosses it, and the detail of a
// failure is kept per thread for toolorch_last_error().
#pragma once

#include <toolorch/status.h>

#include <exception>
#include <new>
#include <string>

namespace toolorch::capi {

// Remember the detail of a failure on ctx (may be null) for this thread.
void set_error(const void *ctx, std::string message);
void clear_error(const void *ctx);
const char *last_error(const void *ctx);

// Run fn (returning an int status); exceptions become statuses.
template <typename F>
int guarded(const void *ctx, F &&fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc &) {
    set_error(ctx, "out of memory");
    return TOOLORCH_ENOMEM;
  } catch (const std::exception &e) {
    set_error(ctx, std::string("internal error: ") + e.what());
    return TOOLORCH_EINTERNAL;
  } catch (...) {
    set_error(ctx, "internal error");
    return TOOLORCH_EINTERNAL;
  }
}

// Same for functions returning a pointer: exceptions become nullptr.
template <typename T, typename F>
T *guarded_ptr(const void *ctx, F &&fn) noexcept {
  try {
    return fn();
  } catch (const std::exception &e) {
    set_error(ctx, std::string("internal error: ") + e.what());
    return nullptr;
  } catch (...) {
    set_error(ctx, "internal error");
    return nullptr;
  }
}

// EINVAL for a check made before guarded() (a NULL handle, an argument out
// of range), with its detail "fn: why": every failing call leaves its own
// message, never the one of an earlier failure. Never throws.
int invalid(const void *ctx, const char *fn, const char *why = "a required argument is NULL") noexcept;

// Fail with a status and its detail.
inline int fail(const void *ctx, int status, std::string message) {
  set_error(ctx, std::move(message));
  return status;
}

// Every call into a host's callback runs inside a CallbackScope, so that the
// functions a callback must not call (toolorch_free: it would join or free
// the very loop the callback runs on) can refuse instead of deadlocking.
class CallbackScope {
 public:
  CallbackScope() noexcept;
  ~CallbackScope();
  CallbackScope(const CallbackScope &) = delete;
  CallbackScope &operator=(const CallbackScope &) = delete;
};
// True while this thread is inside a callback of the library (any context).
bool in_callback() noexcept;

}  // namespace toolorch::capi
