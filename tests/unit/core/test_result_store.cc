// Tool results under the size policy (max_result_bytes / max_result_policy,
// max_result_bytes_to_model) and in the result store (core/result_store.h).

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

#include "job_fixture.h"
#include "core/result_limits.h"
#include "core/result_store.h"

using namespace toolorch;
using toolorch::test::CoreFixture;
using toolorch::test::JobFixture;
using toolorch::test::ParkingTool;

namespace {

core::Options opts_with(const char *json) {
  core::Options o;
  assert_int_equal(o.merge_json(json), TOOLORCH_OK);
  return o;
}

std::string run_one(CoreFixture &f, ParkingTool &tool, const std::string &result, const core::Event **ev) {
  core::Batch *b = f.new_batch();
  std::string id = "c" + std::to_string(f.sink.events.size());
  b->add("t", "{}", id);
  b->submit();
  assert_int_equal(tool.complete_one(result.c_str()), TOOLORCH_OK);
  *ev = f.sink.result_for(id);
  assert_non_null(*ev);
  return core::event_text(**ev);
}

// A deterministic, incompressible MiB (xorshift), different per i.
std::string noise(uint64_t i, size_t n) {
  std::string s(n, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
  for (size_t k = 0; k < n; k += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&s[k], &x, std::min<size_t>(8, n - k));
  }
  return s;
}

// Compressible text (JSON-ish), different per i.
std::string wordy(uint64_t i, size_t n) {
  static const char *w[] = {"agent", "tool", "result", "cache", "search", "model", "budget", "spill", "the", "of"};
  std::string s = "{\"i\":" + std::to_string(i) + ",\"text\":\"";
  uint64_t x = i + 7;
  while (s.size() < n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    s += w[(x >> 33) % 10];
    s += ' ';
  }
  s.resize(n);
  return s;
}

// "VmHWM:   1234 kB" of /proc/self/status, in bytes.
int64_t proc_status_kb(const char *field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  size_t len = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, len, field) == 0) return std::atoll(line.c_str() + len + 1) * 1024;
  return -1;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/toolorch-store-test-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  return tmpl;
}

void remove_tree(const std::string &dir) {
  std::string cmd = "rm -rf '" + dir + "'";
  assert_int_equal(std::system(cmd.c_str()), 0);
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

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // shadow memory and quarantine: RSS says nothing there
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

// 1,000 results of 1 MiB through a store with a 64 MiB budget: the
// process's peak RSS stays under budget + 48 MiB (the margin: the test
// binary, one result being made and one read back, malloc's slack), and
// every result reads back byte-identical.
static void thousand_mib_results_stay_under_budget(void **) {
  const int64_t kMiB = 1 << 20, kBudget = 64 * kMiB, kMargin = 48 * kMiB;
  std::string root = temp_dir();
  core::ResultStoreConfig cfg;
  cfg.max_memory_bytes = kBudget;
  cfg.spill_dir = root;
  auto store = core::ResultStore::create(cfg);
  std::vector<core::ResultRef> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(store->put(noise(static_cast<uint64_t>(i), static_cast<size_t>(kMiB))));
    assert_true(store->counters().memory_bytes.load() <= kBudget);
  }
  for (int i = 0; i < 1000; ++i) {
    core::ResultBytes b = held[static_cast<size_t>(i)]->bytes();
    assert_non_null(b.get());
    assert_true(*b == noise(static_cast<uint64_t>(i), static_cast<size_t>(kMiB)));
  }
  int64_t hwm = proc_status_kb("VmHWM:");
  std::printf("# peak RSS %.1f MiB (budget 64 MiB + margin 48 MiB), in memory %.1f MiB, spilled %lld\n",
              double(hwm) / kMiB, double(store->counters().memory_bytes.load()) / kMiB,
              (long long)store->counters().spilled.load());
  if (!kSanitized) assert_true(hwm > 0 && hwm <= kBudget + kMargin);
  assert_true(store->counters().spilled.load() >= 900);
  assert_int_equal(store->counters().read_back.load(), store->counters().spilled.load());
  assert_int_equal(store->counters().spill_failures.load(), 0);
  std::string dir = store->spill_path();
  assert_true(count_entries(dir) >= 900);
  held.clear();  // every file goes with its result
  assert_int_equal(count_entries(dir), 0);
  assert_int_equal(store->counters().disk_bytes.load(), 0);
  assert_int_equal(store->counters().memory_bytes.load(), 0);
  store.reset();  // and the directory with the store
  assert_int_equal(count_entries(dir), -1);
  remove_tree(root);
}

static void compressed_and_spilled_read_back_identical(void **) {
  std::string root = temp_dir();
  core::ResultStoreConfig cfg;
  cfg.compress = true;
  cfg.compress_threshold = 1024;
  cfg.max_memory_bytes = 256 * 1024;
  cfg.spill_dir = root;
  auto store = core::ResultStore::create(cfg);
  std::vector<core::ResultRef> held;
  for (int i = 0; i < 200; ++i) held.push_back(store->put(i % 3 ? wordy(i, 64 * 1024) : noise(i, 10000)));
  held.push_back(store->put("tiny"));  // under the threshold: raw
  held.push_back(store->put(""));
  const auto &c = store->counters();
  assert_true(c.compressed.load() > 100);
  assert_true(c.compressed_out.load() * 3 < c.compressed_in.load());  // words compress well
  assert_true(c.spilled.load() > 0);
  assert_true(c.memory_bytes.load() <= cfg.max_memory_bytes);
  for (int i = 0; i < 200; ++i) {
    core::ResultBytes b = held[static_cast<size_t>(i)]->bytes();
    assert_non_null(b.get());
    assert_true(*b == (i % 3 ? wordy(i, 64 * 1024) : noise(i, 10000)));
  }
  assert_string_equal(held[200]->bytes()->c_str(), "tiny");
  assert_int_equal(held[201]->bytes()->size(), 0);
  assert_true(c.read_back_bytes.load() > 0);
  assert_int_equal(store->stat("results_spilled"), c.spilled.load());
  assert_int_equal(store->stat("no_such_key"), -1);
  held.clear();
  store.reset();
  remove_tree(root);
}

static void spill_files_are_private(void **) {
  std::string root = temp_dir();
  mode_t old = umask(0);  // whatever the umask, the store's own modes
  core::ResultStoreConfig cfg;
  cfg.max_memory_bytes = 1000;
  cfg.spill_dir = root;
  auto store = core::ResultStore::create(cfg);
  core::ResultRef r = store->put(std::string(5000, 'p'));
  umask(old);
  std::string dir = store->spill_path();
  assert_true(dir.rfind(root + "/toolorch-spill-" + std::to_string(getpid()) + "-", 0) == 0);
  struct stat st;
  assert_int_equal(lstat(dir.c_str(), &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0700);
  assert_int_equal(lstat((dir + "/r1").c_str(), &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(st.st_size, 5000);
  r.reset();
  assert_int_equal(lstat((dir + "/r1").c_str(), &st), -1);
  store.reset();
  remove_tree(root);
}

// A process that crashed left its directory: the next store to start in
// the same spill_dir removes it; a live process's directory is kept.
static void stale_dirs_of_dead_processes_are_removed(void **) {
  std::string root = temp_dir();
  pid_t child = fork();
  if (child == 0) _exit(0);
  assert_true(child > 0);
  assert_int_equal(waitpid(child, nullptr, 0), child);  // its pid is dead now
  std::string stale = root + "/toolorch-spill-" + std::to_string(child) + "-12345-1";
  assert_int_equal(mkdir(stale.c_str(), 0700), 0);
  for (const char *f : {"/r1", "/r2"}) std::ofstream(stale + f) << "left behind";
  // This very pid with another start time: an earlier process that had it.
  std::string reused = root + "/toolorch-spill-" + std::to_string(getpid()) + "-1-3";
  assert_int_equal(mkdir(reused.c_str(), 0700), 0);
  // pid 1 with its real start time is alive: kept. Other names: not ours.
  std::string init_start;
  {
    std::ifstream f("/proc/1/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t p = all.rfind(')');
    std::istringstream rest(all.substr(p + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) init_start = field;
  }
  std::string live = root + "/toolorch-spill-1-" + init_start + "-1";
  assert_int_equal(mkdir(live.c_str(), 0700), 0);
  std::string other = root + "/unrelated";
  assert_int_equal(mkdir(other.c_str(), 0700), 0);

  core::ResultStoreConfig cfg;
  cfg.max_memory_bytes = 1 << 20;
  cfg.spill_dir = root;
  auto store = core::ResultStore::create(cfg);
  assert_int_equal(store->stat("result_stale_spill_dirs_removed"), 2);
  struct stat st;
  assert_int_equal(lstat(stale.c_str(), &st), -1);
  assert_int_equal(lstat(reused.c_str(), &st), -1);
  assert_int_equal(lstat(live.c_str(), &st), 0);
  assert_int_equal(lstat(other.c_str(), &st), 0);
  store.reset();
  remove_tree(root);
}

// Spilling fails for real: the spill directory's parent is a regular file
// (ENOTDIR, whatever our privileges), then a 64 KiB tmpfs that fills up
// (ENOSPC; when this process may mount one). Every result stays in memory,
// counted, and reads back.
static void spill_failures_fall_back_to_memory(void **) {
  std::string root = temp_dir();
  std::string file = root + "/a-file";
  std::ofstream(file) << "x";
  core::ResultStoreConfig cfg;
  cfg.max_memory_bytes = 64 * 1024;
  cfg.spill_dir = file + "/spill";
  auto store = core::ResultStore::create(cfg);
  std::vector<core::ResultRef> held;
  for (int i = 0; i < 20; ++i) held.push_back(store->put(noise(i, 16 * 1024)));
  const auto &c = store->counters();
  assert_true(c.spill_failures.load() > 0);
  assert_int_equal(c.spilled.load(), 0);
  assert_int_equal(c.memory_bytes.load(), 20 * 16 * 1024);  // over the budget, nothing lost
  for (int i = 0; i < 20; ++i) assert_true(*held[static_cast<size_t>(i)]->bytes() == noise(i, 16 * 1024));
  held.clear();
  store.reset();

  std::string mnt = root + "/tmpfs";
  assert_int_equal(mkdir(mnt.c_str(), 0700), 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) {
    std::printf("# no tmpfs here (%s): the ENOSPC half is skipped\n", std::strerror(errno));
  } else {
    cfg.spill_dir = mnt;
    store = core::ResultStore::create(cfg);
    for (int i = 0; i < 40; ++i) held.push_back(store->put(noise(i, 16 * 1024)));
    const auto &c2 = store->counters();
    assert_true(c2.spilled.load() > 0);          // some fit in 64 KiB
    assert_true(c2.spill_failures.load() > 0);   // then the disk was full
    assert_true(c2.spilled.load() + c2.spill_failures.load() <= 40);
    for (int i = 0; i < 40; ++i) assert_true(*held[static_cast<size_t>(i)]->bytes() == noise(i, 16 * 1024));
    held.clear();
    store.reset();
    umount(mnt.c_str());
  }
  remove_tree(root);
}

// A job's transcript refers to the stored results: with a budget that
// spills them, the next request still carries every result whole.
static void transcript_reads_spilled_results_back(void **) {
  std::string root = temp_dir();
  JobFixture f(opts_with(("{\"max_memory_bytes\": 65536, \"spill_dir\": \"" + root + "\"}").c_str()));
  f.start();
  f.provider.finish_with_calls({{"a", "search", "{\"q\":\"x\"}"}, {"b", "search", "{\"q\":\"y\"}"}});
  std::string ra = wordy(1, 100000), rb = wordy(2, 100000);
  assert_int_equal(f.search.complete_one(ra.c_str()), TOOLORCH_OK);
  assert_int_equal(f.search.complete_one(rb.c_str()), TOOLORCH_OK);
  assert_true(f.engine->stat("results_spilled") >= 1);
  f.sched.advance(0);
  const llm::Request &req = f.provider.request();
  size_t n = req.messages.size();
  assert_true(req.messages[n - 2].text == ra);
  assert_true(req.messages[n - 1].text == rb);
  assert_true(f.engine->stat("result_bytes_read_back") > 0);
  assert_true(core::event_text(*f.sink.result_for("a")) == ra);
  f.provider.finish_with_text("done");
  assert_non_null(strstr(f.job_done()->json.c_str(), rb.substr(100, 200).c_str()));
  f.job.reset();
  f.sink.events.clear();
  remove_tree(root);
}

static void policy_fail_names_size_and_cap(void **) {
  CoreFixture f(opts_with("{\"max_result_bytes\": 100}"));
  ParkingTool tool;
  f.add_tool("t", &ParkingTool::fn, &tool);
  const core::Event *ev = nullptr;
  std::string text = run_one(f, tool, std::string(150, 'x'), &ev);
  assert_int_equal(ev->call_state, TOOLORCH_CALL_FAILED);
  assert_int_equal(ev->status, TOOLORCH_ETOOBIG);
  assert_non_null(strstr(text.c_str(), "150 bytes, the cap is 100"));
  assert_int_equal(f.engine->stats().get("results_too_big"), 1);
  // Exactly at the cap is fine.
  text = run_one(f, tool, std::string(100, 'y'), &ev);
  assert_int_equal(ev->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(text.size(), 100);
}

static void policy_truncate_keeps_first_bytes_with_marker(void **) {
  CoreFixture f(opts_with("{\"max_result_bytes\": 200, \"max_result_policy\": \"truncate\"}"));
  ParkingTool tool;
  f.add_tool("t", &ParkingTool::fn, &tool);
  std::string big;
  for (int i = 0; i < 100; ++i) big += "0123456789";
  const core::Event *ev = nullptr;
  std::string text = run_one(f, tool, big, &ev);
  assert_int_equal(ev->call_state, TOOLORCH_CALL_SUCCEEDED);
  assert_int_equal(ev->status, TOOLORCH_OK);
  assert_true(text.size() <= 200);
  size_t at = text.find("\n[toolorch: result truncated at max_result_bytes (200): the first ");
  assert_true(at != std::string::npos && at > 0);
  assert_true(big.compare(0, at, text, 0, at) == 0);  // the kept part is the start, unchanged
  assert_non_null(strstr(text.c_str(), (" " + std::to_string(at) + " bytes of 1000 bytes kept]").c_str()));
  assert_int_equal(f.engine->stats().get("results_truncated"), 1);
  assert_int_equal(f.engine->stats().get("results_too_big"), 0);
}

static void policy_option_is_checked(void **) {
  core::Options o;
  assert_int_equal(o.set_string("max_result_policy", "drop"), TOOLORCH_ECONFIG);
  assert_non_null(strstr(o.last_error().c_str(), "\"fail\" or \"truncate\""));
  assert_int_equal(o.set_int("max_result_policy", 1), TOOLORCH_ECONFIG);
  assert_int_equal(o.set_string("max_result_policy", "truncate"), TOOLORCH_OK);
  assert_true(o.core().max_result_policy == core::CoreOptions::ResultPolicy::kTruncate);
  assert_int_equal(o.set_string("spill_dir", "relative/dir"), TOOLORCH_ECONFIG);
  assert_int_equal(o.merge_json("{\"max_result_bytes_to_model\": 4096, \"compress_results\": true,"
                                " \"max_memory_bytes\": 1048576, \"spill_dir\": \"/tmp\"}"),
                   TOOLORCH_OK);
  assert_int_equal(o.core().max_result_bytes_to_model, 4096);
  assert_true(o.core().compress_results);
  assert_int_equal(o.core().max_memory_bytes, 1048576);
  assert_string_equal(o.core().spill_dir.c_str(), "/tmp");
}

static void marker_helpers_stay_within_cap(void **) {
  for (int64_t cap : {16, 64, 120, 121, 500, 4096}) {
    std::string t(10000, 'a');
    assert_true(core::truncate_result(&t, cap));
    assert_true(static_cast<int64_t>(t.size()) <= cap);
    std::string m(10000, 'b');
    assert_true(core::cut_for_model(&m, cap, "id1"));
    assert_true(cap < 300 || static_cast<int64_t>(m.size()) <= cap);
  }
  std::string small = "abc";
  assert_false(core::truncate_result(&small, 3));
  assert_false(core::cut_for_model(&small, 0, "x"));
  assert_string_equal(small.c_str(), "abc");
}

static void model_gets_capped_text_host_gets_whole(void **) {
  JobFixture f(opts_with("{\"max_result_bytes_to_model\": 1000}"));
  f.start();
  f.provider.finish_with_calls({{"a", "search", "{\"q\":\"x\"}"}});
  std::string big(5000, 'r');
  assert_int_equal(f.search.complete_one(big.c_str()), TOOLORCH_OK);
  const core::Event *ev = f.sink.result_for("a");
  assert_non_null(ev);
  assert_int_equal(core::event_text(*ev).size(), 5000);  // the host: all of it
  f.sched.advance(0);
  const llm::Request &req = f.provider.request();
  const llm::Message &m = req.messages.back();
  assert_true(m.role == llm::Message::Role::kTool);
  assert_true(m.text.size() <= 1000);
  assert_true(m.text.compare(0, 500, big, 0, 500) == 0);
  assert_non_null(strstr(m.text.c_str(), " of 5000 bytes; the application has the whole result (call a)"));
}

static void unbudgeted_counts_from_many_threads(void **) {
  // Without a budget (and without compression: the common store) results
  // are counted without the store's lock: puts and drops from several
  // threads at once must still leave exact counts, and the peak.
  auto store = core::ResultStore::create(core::ResultStoreConfig());
  std::vector<core::ResultRef> kept;
  for (int i = 0; i < 100; ++i) kept.push_back(store->put(std::string(10, 'k')));
  std::atomic<bool> ok{true};
  auto work = [&store, &ok] {
    for (int i = 0; i < 2000; ++i) {
      size_t n = static_cast<size_t>(i % 50);
      core::ResultRef r = store->put(std::string(n, 'x'));
      if (r->size() != n || r->bytes()->size() != n) ok = false;
    }
  };
  std::thread a(work), b(work);
  work();
  a.join();
  b.join();
  assert_true(ok.load());
  const auto &c = store->counters();
  assert_int_equal(c.results.load(), 100 + 3 * 2000);
  assert_int_equal(c.memory_bytes.load(), 100 * 10);
  assert_true(c.memory_peak_bytes.load() >= 100 * 10 + 49);
  assert_true(c.memory_peak_bytes.load() <= 100 * 10 + 3 * 49);
  kept.clear();
  assert_int_equal(c.memory_bytes.load(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(thousand_mib_results_stay_under_budget),  // first: VmHWM is the process's
      cmocka_unit_test(compressed_and_spilled_read_back_identical),
      cmocka_unit_test(spill_files_are_private),
      cmocka_unit_test(stale_dirs_of_dead_processes_are_removed),
      cmocka_unit_test(spill_failures_fall_back_to_memory),
      cmocka_unit_test(transcript_reads_spilled_results_back),
      cmocka_unit_test(policy_fail_names_size_and_cap),
      cmocka_unit_test(policy_truncate_keeps_first_bytes_with_marker),
      cmocka_unit_test(policy_option_is_checked),
      cmocka_unit_test(marker_helpers_stay_within_cap),
      cmocka_unit_test(model_gets_capped_text_host_gets_whole),
      cmocka_unit_test(unbudgeted_counts_from_many_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
