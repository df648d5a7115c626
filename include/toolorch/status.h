/* toolorch — status codes, version, and the opaque handle types.
 * Part of the C ABI: see toolorch.h for the conventions. */
#ifndef TOOLORCH_STATUS_H
#define TOOLORCH_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TOOLORCH_API __attribute__((visibility("default")))
#else
#define TOOLORCH_API
#endif

#define TOOLORCH_VERSION_MAJOR 0
#define TOOLORCH_VERSION_MINOR 1
#define TOOLORCH_VERSION_PATCH 0
/* The version compiled against as one comparable integer, 0xMMmmpp
 * (0.1.0 = 0x000100): `#if TOOLORCH_VERSION_NUM >= 0x000200`. */
#define TOOLORCH_VERSION_NUM \
  ((TOOLORCH_VERSION_MAJOR << 16) | (TOOLORCH_VERSION_MINOR << 8) | TOOLORCH_VERSION_PATCH)

/* Append-only: codes are never renumbered or reused. */
typedef enum toolorch_status {
  TOOLORCH_OK = 0,
  TOOLORCH_EINVAL = -1,          /* a NULL handle or an argument out of range */
  TOOLORCH_ENOMEM = -2,          /* allocation failed */
  TOOLORCH_EJSON = -3,           /* text that should be JSON is not */
  TOOLORCH_ECONFIG = -4,         /* unknown option key or wrong type */
  TOOLORCH_EUNKNOWN_TOOL = -5,   /* no tool of that name is registered */
  TOOLORCH_ESCHEMA = -6,         /* arguments break the tool's JSON Schema */
  TOOLORCH_EEXIST = -7,          /* a tool of that name is already registered */
  TOOLORCH_ETOOL = -8,           /* the tool reported a failure */
  TOOLORCH_ETIMEDOUT = -9,       /* a deadline passed */
  TOOLORCH_ECANCELLED = -10,     /* cancelled by the caller or a policy */
  TOOLORCH_EALREADY = -11,       /* the call was completed already by its tool */
  TOOLORCH_ELATE = -12,          /* completion after the call ended: dropped */
  TOOLORCH_ESTATE = -13,         /* not allowed in the handle's current state */
  TOOLORCH_EAGAIN = -14,         /* nothing yet (an empty event queue) */
  TOOLORCH_ECLOSED = -15,        /* the context is shutting down */
  TOOLORCH_ERATELIMITED = -16,   /* a rate limit refused the call */
  TOOLORCH_EHTTP = -17,          /* an HTTP transfer failed */
  TOOLORCH_EPROVIDER = -18,      /* the LLM provider answered with an error */
  TOOLORCH_EPROTOCOL = -19,      /* a malformed response or stream */
  TOOLORCH_EREDIS = -20,         /* the shared-limits backend failed */
  TOOLORCH_ETOOBIG = -21,        /* a size or depth limit was exceeded */
  TOOLORCH_EMODE = -22,          /* not available in this drive mode */
  TOOLORCH_EIO = -23,            /* an OS-level failure (fd, thread, pipe) */
  TOOLORCH_EINTERNAL = -24,      /* a bug: please report it */
  TOOLORCH_EMAXROUNDS = -25,     /* a job ran out of rounds */
  TOOLORCH_ESTREAM = -26         /* a streamed answer was cut off (dropped stream) */
} toolorch_status;

/* The lowest status code this build knows (for iterating in tests). */
#define TOOLORCH_STATUS_MIN (-26)

/* [any thread] A static, never-NULL English name for a status code. */
TOOLORCH_API const char *toolorch_strerror(int status);

/* [any thread] "major.minor.patch" of the library actually loaded. */
TOOLORCH_API const char *toolorch_version(void);
/* [any thread] Whether the library actually loaded is at least min_version
 * (a TOOLORCH_VERSION_NUM value): 1 if so, 0 if it is older. Call it once at
 * start-up with TOOLORCH_VERSION_NUM (or the oldest version whose functions
 * you use) to catch a program run against an older libtoolorch.so.0, as
 * zlib's and nghttp2's version checks do. */
TOOLORCH_API int toolorch_version_check(unsigned min_version);

/* Opaque handles. */
typedef struct toolorch_ctx toolorch_ctx;     /* one orchestrator: loop, tools, limits */
typedef struct toolorch_opts toolorch_opts;   /* options for a context */
typedef struct toolorch_tool toolorch_tool;   /* a tool definition before registration */
typedef struct toolorch_call toolorch_call;   /* one tool call, handed to its tool */
typedef struct toolorch_batch toolorch_batch; /* calls submitted together, no LLM */
typedef struct toolorch_event toolorch_event; /* something the caller must see */

#ifdef __cplusplus
}
#endif

#endif /* TOOLORCH_STATUS_H */
