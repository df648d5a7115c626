// toolorch_strerror and toolorch_version.
#include <toolorch/status.h>

extern "C" {

const char *toolorch_strerror(int status) {
  switch (status) {
    case TOOLORCH_OK: return "success";
    case TOOLORCH_EINVAL: return "invalid argument";
    case TOOLORCH_ENOMEM: return "out of memory";
    case TOOLORCH_EJSON: return "invalid JSON";
    case TOOLORCH_ECONFIG: return "invalid configuration";
    case TOOLORCH_EUNKNOWN_TOOL: return "unknown tool";
    case TOOLORCH_ESCHEMA: return "arguments do not match the tool's schema";
    case TOOLORCH_EEXIST: return "already exists";
    case TOOLORCH_ETOOL: return "the tool failed";
    case TOOLORCH_ETIMEDOUT: return "timed out";
    case TOOLORCH_ECANCELLED: return "cancelled";
    case TOOLORCH_EALREADY: return "the call was already completed";
    case TOOLORCH_ELATE: return "the call had already ended; the result was dropped";
    case TOOLORCH_ESTATE: return "not allowed in the current state";
    case TOOLORCH_EAGAIN: return "nothing available yet";
    case TOOLORCH_ECLOSED: return "the context is shutting down";
    case TOOLORCH_ERATELIMITED: return "rate limited";
    case TOOLORCH_EHTTP: return "HTTP transfer failed";
    case TOOLORCH_EPROVIDER: return "the LLM provider returned an error";
    case TOOLORCH_EPROTOCOL: return "malformed response from the provider";
    case TOOLORCH_EREDIS: return "the Redis limits backend failed";
    case TOOLORCH_ETOOBIG: return "a size or depth limit was exceeded";
    case TOOLORCH_EMODE: return "not available in this drive mode or thread";
    case TOOLORCH_EIO: return "operating system error";
    case TOOLORCH_EINTERNAL: return "internal error";
    case TOOLORCH_EMAXROUNDS: return "the job ran out of rounds";
    case TOOLORCH_ESTREAM: return "the provider's stream was cut off before the answer was complete";
    default: return "unknown status code";
  }
}

#define TOOLORCH_STR2(x) #x
#define TOOLORCH_STR(x) TOOLORCH_STR2(x)
const char *toolorch_version(void) {
  return TOOLORCH_STR(TOOLORCH_VERSION_MAJOR) "." TOOLORCH_STR(TOOLORCH_VERSION_MINOR) "." TOOLORCH_STR(
      TOOLORCH_VERSION_PATCH);
}

int toolorch_version_check(unsigned min_version) { return TOOLORCH_VERSION_NUM >= min_version ? 1 : 0; }

}  // extern "C"
