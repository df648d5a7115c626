// The result store through the C API in owned mode: a consumer that reads
// no event until every call has ended leaves 400 results of 256 KiB (100
// MiB) waiting in the queue; the store keeps what is in memory under its
// 8 MiB budget (the rest spilled), and every event then comes out exactly
// once with its result byte-identical. Freeing the events and the batch
// removes the spill files; freeing the context, its directory.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>

#include "cmocka_cpp.h"

#include <toolorch/toolorch.h>

namespace {

std::string noise(uint64_t i, size_t n) {
  std::string s(n, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
  for (size_t k = 0; k < n; k += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&s[k], &x, n - k < 8 ? n - k : 8);
  }
  return s;
}

constexpr size_t kSize = 256 * 1024;

void big_result(toolorch_call *call, const char *args, void *) {
  int i = std::atoi(std::strchr(args, ':') + 1);
  std::string r = noise(static_cast<uint64_t>(i), kSize);
  toolorch_call_complete_len(call, r.data(), r.size());
}

int count_entries(const std::string &dir) {
  DIR *d = opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (struct dirent *e = readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) ++n;
  closedir(d);
  return n;
}

// The one toolorch-spill-* directory under root ("" if none).
std::string spill_dir_in(const std::string &root) {
  DIR *d = opendir(root.c_str());
  std::string found;
  while (struct dirent *e = d ? readdir(d) : nullptr)
    if (!std::strncmp(e->d_name, "toolorch-spill-", 15)) found = root + "/" + e->d_name;
  if (d) closedir(d);
  return found;
}

}  // namespace

static void slow_consumer_keeps_results_in_the_store(void **) {
  char tmpl[] = "/tmp/toolorch-capi-store-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  std::string root = tmpl;
  const int64_t kBudget = 8 << 20;
  toolorch_opts *o = toolorch_opts_new();
  std::string json = "{\"max_memory_bytes\": " + std::to_string(kBudget) + ", \"spill_dir\": \"" + root +
                     "\", \"tool_timeout_ms\": 60000, \"max_result_bytes\": 1048576}";
  assert_int_equal(toolorch_opts_from_json(o, json.c_str()), TOOLORCH_OK);
  int status = 0;
  toolorch_ctx *ctx = toolorch_new(o, &status);
  toolorch_opts_free(o);
  assert_non_null(ctx);
  toolorch_tool *t = toolorch_tool_new("big");
  assert_int_equal(toolorch_tool_set_fn(t, big_result, nullptr), TOOLORCH_OK);
  assert_int_equal(toolorch_register_tool(ctx, t), TOOLORCH_OK);
  toolorch_tool_free(t);

  const int kCalls = 400;
  toolorch_batch *b = toolorch_batch_new(ctx, nullptr);
  for (int i = 0; i < kCalls; ++i) {
    std::string args = "{\"i\":" + std::to_string(i) + "}";
    assert_int_equal(toolorch_batch_add(b, "big", args.c_str(), std::to_string(i).c_str()), TOOLORCH_OK);
  }
  assert_int_equal(toolorch_batch_submit(b), TOOLORCH_OK);
  // The consumer is slow: nothing is read until every call has ended.
  while (toolorch_batch_ended(b) < static_cast<size_t>(kCalls))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  assert_true(toolorch_stat(ctx, "result_memory_bytes") <= kBudget);
  assert_true(toolorch_stat(ctx, "result_memory_peak_bytes") <= kBudget);
  assert_true(toolorch_stat(ctx, "results_spilled") >= kCalls - kBudget / static_cast<int64_t>(kSize));
  assert_int_equal(toolorch_stat(ctx, "result_spill_failures"), 0);
  assert_int_equal(toolorch_stat(ctx, "results_stored"), kCalls);
  std::string dir = spill_dir_in(root);
  assert_false(dir.empty());

  std::set<std::string> seen;
  int done = 0;
  toolorch_event *ev = nullptr;
  while (!done) {
    assert_int_equal(toolorch_next_event(ctx, 10000, &ev), TOOLORCH_OK);
    if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_CALL_RESULT) {
      std::string id = toolorch_event_call_id(ev);
      assert_true(seen.insert(id).second);  // never twice
      assert_int_equal(toolorch_event_call_state(ev), TOOLORCH_CALL_SUCCEEDED);
      std::string text(toolorch_event_text(ev), toolorch_event_text_len(ev));
      assert_true(text == noise(std::stoull(id), kSize));
    } else if (toolorch_event_type_of(ev) == TOOLORCH_EVENT_BATCH_DONE) {
      done = 1;
    }
    toolorch_event_free(ev);
  }
  assert_int_equal(seen.size(), kCalls);  // none dropped
  assert_int_equal(toolorch_next_event(ctx, 0, &ev), TOOLORCH_EAGAIN);
  assert_true(toolorch_stat(ctx, "result_bytes_read_back") > 0);
  toolorch_batch_free(b);  // the last holder of the results: their files go (on the loop's next pass)
  while (toolorch_stat(ctx, "result_disk_bytes") != 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  assert_int_equal(count_entries(dir), 0);
  toolorch_free(ctx);
  assert_int_equal(count_entries(dir), -1);  // and the directory with the context
  std::string cmd = "rm -rf '" + root + "'";
  assert_int_equal(std::system(cmd.c_str()), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(slow_consumer_keeps_results_in_the_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
