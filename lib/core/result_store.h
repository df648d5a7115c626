// The result store: every tool result is held once, by a counted handle
// (ResultRef) that the call, the job's transcript and queued events share;
// nobody copies the bytes. Under a memory budget it keeps them small:
//
// - compress: a result of at least compress_threshold bytes is held
//   compressed (zstd level 1: on tool results it measured 2.6x less CPU than
//   zlib level 1 at a better ratio; see bench/results); kept raw when that
//   saves less than 1/8.
// - spill: when the bytes held in memory pass the high mark (7/8 of
//   max_memory_bytes) the oldest results are written to files until 3/4 is
//   left. Files live in a directory of this store,
//   <spill_dir>/toolorch-spill-<pid>-<process start time>-<n> (0700), one
//   file per result (0600), unlinked when the result's last handle goes; the
//   directory goes with the store. At creation the store removes the
//   directories of processes that are gone (a crash left them): their pid
//   is dead, or now belongs to a process started at another time.
// - a spill that fails (full disk, a directory that cannot be made or
//   written) leaves that result in memory, counted in spill_failures; it is
//   not tried again. Nothing is ever dropped: past the budget the store
//   holds the rest in memory, and memory_bytes shows by how much.
// - reading back (bytes()) gives the bytes as they were put, from memory,
//   decompressed, or from the file (counted in read_back_bytes); the result
//   stays where it is.
//
// Thread safety: put() and bytes() from any thread; a handle may be dropped
// on any thread. Spilling happens inside put(), on the caller's thread (the
// loop thread in the library: a write of one result to the page cache).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

namespace toolorch::core {

struct ResultStoreConfig {
  bool compress = false;
  int64_t compress_threshold = 4096;
  int64_t max_memory_bytes = 0;  // 0: no budget, nothing spills
  std::string spill_dir;         // "": $TMPDIR, else /tmp
};

class ResultStore;
class StoredResult;
using ResultRef = std::shared_ptr<StoredResult>;
using ResultBytes = std::shared_ptr<const std::string>;

// One result in the store. Immutable from the outside.
class StoredResult : public std::enable_shared_from_this<StoredResult> {
 public:
  ~StoredResult();  // unlinks its file, gives its memory back to the budget
  StoredResult(const StoredResult &) = delete;
  StoredResult &operator=(const StoredResult &) = delete;

  size_t size() const { return size_; }
  // The bytes, as they were put. Shared with the store while the result is
  // held raw in memory (no copy); else a fresh buffer. Null only if a spill
  // file could not be read back (someone removed it): *err says why.
  ResultBytes bytes(std::string *err = nullptr) const;

 private:
  friend class ResultStore;
  struct Key {  // the store's alone: make_shared (one allocation) needs a public constructor
    explicit Key() = default;
  };

 public:
  StoredResult(Key, std::shared_ptr<ResultStore> store, size_t size) : store_(std::move(store)), size_(size) {}

 private:
  std::shared_ptr<ResultStore> store_;
  const size_t size_;
  // Guarded by store_->mu_.
  ResultBytes raw_;            // held raw in memory, in a block of its own (a store with a budget)
  // Held raw in this object (a store without a budget, where nothing
  // spills): bytes() shares it through this object's count. Set by put()
  // before anyone else sees the result, never changed after.
  std::string inline_;
  ResultBytes packed_;         // held compressed in memory
  std::string path_;           // spilled to this file
  size_t held_ = 0;            // bytes counted in memory_bytes
  size_t disk_ = 0;            // bytes of its file
  std::list<StoredResult *>::iterator pos_;
  // The flags side by side (one result per call: its size is memory per call).
  bool inline_held_ = false;     // inline_ holds the bytes
  bool compressed_ = false;      // packed_ / the file hold compressed bytes
  bool in_memory_list_ = false;  // in in_memory_ (only with a budget: what may spill)
};

class ResultStore : public std::enable_shared_from_this<ResultStore> {
 public:
  struct Counters {
    std::atomic<int64_t> results{0};            // results put
    std::atomic<int64_t> bytes{0};              // their sizes
    std::atomic<int64_t> memory_bytes{0};       // held in memory now (compressed size when compressed)
    std::atomic<int64_t> memory_peak_bytes{0};  // the most memory_bytes has been
    std::atomic<int64_t> compressed{0};         // results held compressed
    std::atomic<int64_t> compressed_in{0};      // their sizes
    std::atomic<int64_t> compressed_out{0};     // their compressed sizes
    std::atomic<int64_t> spilled{0};            // results written to spill files
    std::atomic<int64_t> spilled_bytes{0};      // bytes written to spill files
    std::atomic<int64_t> disk_bytes{0};         // in spill files now
    std::atomic<int64_t> read_back{0};          // reads of spilled results
    std::atomic<int64_t> read_back_bytes{0};    // bytes read from spill files
    std::atomic<int64_t> spill_failures{0};     // spills that failed: kept in memory
    std::atomic<int64_t> read_failures{0};      // spill files that could not be read
    std::atomic<int64_t> stale_dirs_removed{0}; // left by dead processes, removed at creation
  };

  // Removes the spill directories of dead processes (when a budget is set).
  static std::shared_ptr<ResultStore> create(ResultStoreConfig cfg);
  ~ResultStore();  // removes its spill directory (every result is gone by then)

  // Hold these bytes. Any thread.
  ResultRef put(std::string &&bytes);  // moved from

  const Counters &counters() const { return c_; }
  // A counter by its toolorch_stat key ("result_memory_bytes", ...); -1 if unknown.
  int64_t stat(const std::string &key) const;
  const ResultStoreConfig &config() const { return cfg_; }
  // The directory this store spills into ("" until the first spill).
  std::string spill_path() const;
  // The parent directory in use (spill_dir or its default).
  const std::string &spill_root() const { return root_; }

  // Remove <root>/toolorch-spill-* directories whose process is gone.
  // Returns how many were removed.
  static int remove_stale(const std::string &root);

 private:
  friend class StoredResult;
  explicit ResultStore(ResultStoreConfig cfg);
  void spill_locked(size_t down_to);
  bool write_locked(StoredResult *r, std::string *err);
  bool ensure_dir_locked(std::string *err);
  // The bytes held in memory (Counters::memory_bytes and its peak):
  // atomic, so a store without a budget counts them without the lock.
  void note_memory(int64_t delta);
  // Exact under mu_ in a store with a budget (it changes only under mu_ there).
  int64_t memory_locked() const;
  void forget_locked(StoredResult *r);

  ResultStoreConfig cfg_;
  std::string root_;
  mutable std::mutex mu_;
  std::list<StoredResult *> in_memory_;  // oldest first, with a budget; guarded by mu_
  std::string dir_;                      // guarded by mu_; "" until made
  uint64_t next_file_ = 1;               // guarded by mu_
  Counters c_;
};

}  // namespace toolorch::core
