#include "core/result_store.h"

#include "obs/cell_pool.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace toolorch::core {
namespace {

constexpr const char *kDirPrefix = "toolorch-spill-";
constexpr int kZstdLevel = 1;
// Stored results' cells kept for reuse (about 3.5 MiB at most, until exit).
constexpr size_t kResultCells = 16384;

// Field 22 of /proc/<pid>/stat: when the process started (clock ticks after
// boot). With the pid it names one process, whatever reuses the pid later.
std::string start_time_of(long pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return "";
  buf[n] = 0;
  const char *p = std::strrchr(buf, ')');  // the command name may hold spaces
  if (!p) return "";
  // After ")": field 3 (state) onwards; the start time is field 22.
  int field = 2;
  for (const char *q = p + 1; *q; ++q) {
    if (*q != ' ') continue;
    ++field;
    if (field == 22) {
      const char *end = std::strchr(q + 1, ' ');
      return std::string(q + 1, end ? static_cast<size_t>(end - q - 1) : std::strlen(q + 1));
    }
  }
  return "";
}

const std::string &self_start_time() {
  static const std::string t = start_time_of(static_cast<long>(getpid()));
  return t;
}

std::atomic<uint64_t> g_store_seq{1};

bool write_all(int fd, const char *p, size_t n, std::string *err) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      *err = w < 0 ? std::strerror(errno) : "short write";
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool read_file(const std::string &path, size_t size, std::string *out, std::string *err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    *err = "cannot open spill file " + path + ": " + std::strerror(errno);
    return false;
  }
  out->resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t r = ::read(fd, &(*out)[got], size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *err = "cannot read spill file " + path + ": " + (r < 0 ? std::strerror(errno) : "it is shorter than written");
      ::close(fd);
      return false;
    }
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return true;
}

// Remove the regular files in dir, then dir. Symlinks are not followed.
bool remove_dir(const std::string &dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return false;
  DIR *d = ::fdopendir(dfd);
  if (!d) {
    ::close(dfd);
    return false;
  }
  while (struct dirent *e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    ::unlinkat(dfd, e->d_name, 0);
  }
  ::closedir(d);
  return ::rmdir(dir.c_str()) == 0;
}

bool decompress(const std::string &packed, size_t size, std::string *out, std::string *err) {
  out->resize(size);
  size_t n = ZSTD_decompress(out->data(), size, packed.data(), packed.size());
  if (ZSTD_isError(n) || n != size) {
    *err = std::string("cannot decompress a stored result: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
    return false;
  }
  return true;
}

}  // namespace

// ---- StoredResult

StoredResult::~StoredResult() {
  ResultStore &s = *store_;
  // Held in this object (a store without a budget): in no list, no file;
  // only the count of bytes in memory changes, atomically.
  if (inline_held_) {
    if (held_) s.note_memory(-static_cast<int64_t>(held_));
    return;
  }
  std::string path;
  {
    std::lock_guard<std::mutex> lk(s.mu_);
    s.forget_locked(this);
    path.swap(path_);
    if (disk_) s.c_.disk_bytes.fetch_sub(static_cast<int64_t>(disk_), std::memory_order_relaxed);
  }
  if (!path.empty()) ::unlink(path.c_str());
}

ResultBytes StoredResult::bytes(std::string *err) const {
  if (inline_held_) return ResultBytes(shared_from_this(), &inline_);  // immutable: no lock
  ResultStore &s = *store_;
  ResultBytes raw, packed;
  std::string path;
  bool compressed;
  size_t disk;
  {
    std::lock_guard<std::mutex> lk(s.mu_);
    raw = raw_;
    packed = packed_;
    path = path_;
    compressed = compressed_;
    disk = disk_;
  }
  if (raw) return raw;
  std::string e;
  auto out = std::make_shared<std::string>();
  if (packed) {
    if (decompress(*packed, size_, out.get(), &e)) return out;
  } else if (!path.empty()) {
    std::string file;
    bool ok = read_file(path, disk, compressed ? &file : out.get(), &e);
    if (ok) {
      s.c_.read_back.fetch_add(1, std::memory_order_relaxed);
      s.c_.read_back_bytes.fetch_add(static_cast<int64_t>(disk), std::memory_order_relaxed);
      if (!compressed || decompress(file, size_, out.get(), &e)) return out;
    }
  } else {
    e = "the stored result holds no bytes";
  }
  s.c_.read_failures.fetch_add(1, std::memory_order_relaxed);
  if (err) *err = e;
  return nullptr;
}

// ---- ResultStore

ResultStore::ResultStore(ResultStoreConfig cfg) : cfg_(std::move(cfg)) {
  root_ = cfg_.spill_dir;
  if (root_.empty()) {
    const char *tmp = std::getenv("TMPDIR");
    root_ = tmp && *tmp == '/' ? tmp : "/tmp";
  }
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::shared_ptr<ResultStore> ResultStore::create(ResultStoreConfig cfg) {
  std::shared_ptr<ResultStore> s(new ResultStore(std::move(cfg)));
  if (s->cfg_.max_memory_bytes > 0) s->c_.stale_dirs_removed.store(remove_stale(s->root_), std::memory_order_relaxed);
  return s;
}

ResultStore::~ResultStore() {
  if (!dir_.empty()) remove_dir(dir_);
}

std::string ResultStore::spill_path() const {
  std::lock_guard<std::mutex> lk(mu_);
  return dir_;
}

int ResultStore::remove_stale(const std::string &root) {
  DIR *d = ::opendir(root.c_str());
  if (!d) return 0;
  int removed = 0;
  size_t plen = std::strlen(kDirPrefix);
  long self = static_cast<long>(getpid());
  while (struct dirent *e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kDirPrefix, plen) != 0) continue;
    // toolorch-spill-<pid>-<start time>-<n>
    char *end = nullptr;
    long pid = std::strtol(e->d_name + plen, &end, 10);
    if (pid <= 0 || !end || *end != '-') continue;
    const char *start = end + 1;
    const char *dash = std::strchr(start, '-');
    if (!dash) continue;
    std::string started(start, static_cast<size_t>(dash - start));
    bool alive;
    if (pid == self) {
      alive = started == self_start_time();
    } else {
      alive = ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
      if (alive) {
        std::string now = start_time_of(pid);
        alive = now.empty() || now == started;  // unreadable: assume it is the owner
      }
    }
    if (alive) continue;
    std::string path = root + "/" + e->d_name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (remove_dir(path)) ++removed;
  }
  ::closedir(d);
  return removed;
}

void ResultStore::note_memory(int64_t delta) {
  int64_t now = c_.memory_bytes.fetch_add(delta, std::memory_order_relaxed) + delta;
  int64_t peak = c_.memory_peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !c_.memory_peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

int64_t ResultStore::memory_locked() const { return c_.memory_bytes.load(std::memory_order_relaxed); }

void ResultStore::forget_locked(StoredResult *r) {
  if (r->in_memory_list_) {
    in_memory_.erase(r->pos_);
    r->in_memory_list_ = false;
  }
  if (r->held_) note_memory(-static_cast<int64_t>(r->held_));
  r->held_ = 0;
  r->raw_.reset();
  r->packed_.reset();
}

ResultRef ResultStore::put(std::string &&bytes) {
  size_t size = bytes.size();
  // The result and its count in one cell of a pool (obs/cell_pool.h):
  // made and dropped once per call, it costs no malloc once the pool has
  // grown to the results alive at once (up to kResultCells).
  ResultRef r = std::allocate_shared<StoredResult>(obs::PoolAllocator<StoredResult, kResultCells>(), StoredResult::Key(),
                                                   shared_from_this(), size);
  c_.results.fetch_add(1, std::memory_order_relaxed);
  c_.bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  // Compression runs before the lock: other threads read meanwhile.
  std::shared_ptr<std::string> packed;
  if (cfg_.compress && size > 0 && static_cast<int64_t>(size) >= cfg_.compress_threshold) {
    packed = std::make_shared<std::string>();
    packed->resize(ZSTD_compressBound(size));
    size_t n = ZSTD_compress(packed->data(), packed->size(), bytes.data(), size, kZstdLevel);
    if (ZSTD_isError(n) || n > size - size / 8) {
      packed.reset();  // not worth it (or failed): held raw
    } else {
      packed->resize(n);
      packed->shrink_to_fit();
      c_.compressed.fetch_add(1, std::memory_order_relaxed);
      c_.compressed_in.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
      c_.compressed_out.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
    }
  }
  if (!packed && cfg_.max_memory_bytes <= 0) {
    // Never spilled: kept in the result's own block, in no list; no lock
    // (nobody else sees the result yet, and the byte count is atomic).
    r->held_ = size;
    r->inline_ = std::move(bytes);
    r->inline_held_ = true;
    note_memory(static_cast<int64_t>(size));
    return r;
  }
  std::lock_guard<std::mutex> lk(mu_);
  if (packed) {
    r->held_ = packed->size();
    r->compressed_ = true;
    r->packed_ = std::move(packed);
  } else {
    r->held_ = size;
    r->raw_ = std::make_shared<const std::string>(std::move(bytes));
  }
  note_memory(static_cast<int64_t>(r->held_));
  int64_t budget = cfg_.max_memory_bytes;
  if (budget <= 0) return r;  // nothing ever spills: no order to keep
  r->pos_ = in_memory_.insert(in_memory_.end(), r.get());
  r->in_memory_list_ = true;
  if (memory_locked() > budget - budget / 8) spill_locked(static_cast<size_t>(budget - budget / 4));
  return r;
}

bool ResultStore::ensure_dir_locked(std::string *err) {
  if (!dir_.empty()) return true;
  std::string dir = root_ + "/" + kDirPrefix + std::to_string(getpid()) + "-" + self_start_time() + "-" +
                    std::to_string(g_store_seq.fetch_add(1, std::memory_order_relaxed));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "cannot create spill directory " + dir + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    *err = "spill directory " + dir + " is not a directory of ours";
    return false;
  }
  if ((st.st_mode & 0777) != 0700) ::chmod(dir.c_str(), 0700);  // whatever the umask left
  dir_ = dir;
  return true;
}

bool ResultStore::write_locked(StoredResult *r, std::string *err) {
  if (!ensure_dir_locked(err)) return false;
  std::string path = dir_ + "/r" + std::to_string(next_file_++);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *err = "cannot create spill file " + path + ": " + std::strerror(errno);
    return false;
  }
  const std::string &data = r->packed_ ? *r->packed_ : *r->raw_;
  bool ok = write_all(fd, data.data(), data.size(), err);
  if (::close(fd) != 0 && ok) {  // NFS and such report a full disk here
    *err = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(path.c_str());
    *err = "cannot write spill file " + path + ": " + *err;
    return false;
  }
  r->path_ = std::move(path);
  r->disk_ = data.size();
  return true;
}

void ResultStore::spill_locked(size_t down_to) {
  auto it = in_memory_.begin();
  while (memory_locked() > static_cast<int64_t>(down_to) && it != in_memory_.end()) {
    StoredResult *r = *it++;
    in_memory_.erase(r->pos_);
    r->in_memory_list_ = false;  // spilled, or failed: not tried again
    std::string err;
    if (!write_locked(r, &err)) {
      c_.spill_failures.fetch_add(1, std::memory_order_relaxed);
      continue;  // stays in memory: never lost
    }
    c_.spilled.fetch_add(1, std::memory_order_relaxed);
    c_.spilled_bytes.fetch_add(static_cast<int64_t>(r->disk_), std::memory_order_relaxed);
    c_.disk_bytes.fetch_add(static_cast<int64_t>(r->disk_), std::memory_order_relaxed);
    note_memory(-static_cast<int64_t>(r->held_));
    r->held_ = 0;
    r->raw_.reset();
    r->packed_.reset();
  }
}

int64_t ResultStore::stat(const std::string &key) const {
  struct Entry {
    const char *name;
    const std::atomic<int64_t> Counters::*field;
  };
  static const Entry kEntries[] = {
      {"results_stored", &Counters::results},
      {"result_bytes_stored", &Counters::bytes},
      {"result_memory_bytes", &Counters::memory_bytes},
      {"result_memory_peak_bytes", &Counters::memory_peak_bytes},
      {"results_compressed", &Counters::compressed},
      {"result_bytes_compressed", &Counters::compressed_in},
      {"result_bytes_compressed_to", &Counters::compressed_out},
      {"results_spilled", &Counters::spilled},
      {"result_bytes_spilled", &Counters::spilled_bytes},
      {"result_disk_bytes", &Counters::disk_bytes},
      {"results_read_back", &Counters::read_back},
      {"result_bytes_read_back", &Counters::read_back_bytes},
      {"result_spill_failures", &Counters::spill_failures},
      {"result_read_failures", &Counters::read_failures},
      {"result_stale_spill_dirs_removed", &Counters::stale_dirs_removed},
  };
  for (const Entry &e : kEntries)
    if (key == e.name) return (c_.*e.field).load(std::memory_order_relaxed);
  return -1;
}

}  // namespace toolorch::core
