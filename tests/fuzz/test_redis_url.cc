// redis_url from the host's options. Properties: an accepted address is
// numeric (no name would block the loop resolving it), and no error text
// ever shows the password.
#include <arpa/inet.h>

#include <string>

#include "fuzz_input.h"
#include "limits/redis_url.h"

using namespace toolorch;

namespace {

constexpr const char *kSecret = "pw-fuzz-secret";

// secret_known: the password is kSecret and the rest of the URL does not
// contain it (else an error may rightly quote the host part).
void check(const std::string &url, bool secret_known) {
  limits::RedisAddress a;
  std::string err;
  if (!limits::parse_redis_url(url, &a, &err)) {
    FUZZ_CHECK(!err.empty());
    if (secret_known) FUZZ_CHECK(err.find(kSecret) == std::string::npos);
    return;
  }
  if (a.unix_path.empty()) {
    unsigned char buf[16];
    FUZZ_CHECK(inet_pton(AF_INET, a.host.c_str(), buf) == 1 || inet_pton(AF_INET6, a.host.c_str(), buf) == 1);
    FUZZ_CHECK(a.port >= 1 && a.port <= 65535);
  } else {
    FUZZ_CHECK(a.unix_path[0] == '/');
  }
  FUZZ_CHECK(a.db >= 0);
  FUZZ_CHECK(a.cluster == !a.seeds.empty());
  for (const auto &seed : a.seeds) {
    unsigned char buf[16];
    FUZZ_CHECK(inet_pton(AF_INET, seed.host.c_str(), buf) == 1 || inet_pton(AF_INET6, seed.host.c_str(), buf) == 1);
    FUZZ_CHECK(seed.port >= 1 && seed.port <= 65535);
  }
  if (a.cluster) FUZZ_CHECK(a.db == 0 && a.unix_path.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  check(text, false);
  check(std::string("redis://user:") + kSecret + "@" + text, text.find(kSecret) == std::string::npos);
  return 0;
}
