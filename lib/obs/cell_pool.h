// Cells of one size for objects made and dropped per call (a call, a span,
// a stored result): carved from slabs, and the cells of objects dropped on
// a free list for the next ones, process-wide (an object may be dropped on
// another thread than it was made on: a call's last reference may be the
// host's). A slab holds as many cells as the pool has made so far (at least
// kSlabCells, at most 64 KiB of them): few allocations as a pool grows; its
// cells are handed out in order, each touched first when it is first
// used, so a slab's unused end is never brought into memory. At most
// kMaxCells cells are made; objects beyond that many alive at once are
// allocated one by one. The cells are kept until the process ends: as many
// as were ever alive at once, within that bound (at most twice that many
// reserved, untouched). Each cell starts with a header saying which kind it
// is. Under AddressSanitizer every object is allocated alone, so that a use
// after its end is still caught.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define TOOLORCH_CELL_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TOOLORCH_CELL_POOL 0
#endif
#endif
#ifndef TOOLORCH_CELL_POOL
#define TOOLORCH_CELL_POOL 1
#endif

namespace toolorch::obs {

// kSize: the size of the objects pooled (others asked of it are allocated
// alone). Any thread.
template <size_t kSize, size_t kMaxCells>
class CellPool {
 public:
  static void *allocate(size_t n) {
    if (!TOOLORCH_CELL_POOL) return ::operator new(n);
    if (n != kSize) return alone(n);
    Slabs &s = slabs();
    Lock lk(s);
    if (FreeCell *f = s.free) {
      s.free = f->next;
      return f;
    }
    if (s.next == s.end) {
      if (s.cells >= kMaxCells) return alone(n);
      size_t count = std::min({std::max(kSlabCells, s.cells), kMaxSlabCells, kMaxCells - s.cells});
      s.slabs.reserve(s.slabs.size() + 1);
      s.slabs.emplace_back(new unsigned char[count * kCell]);  // not touched here
      s.next = s.slabs.back().get();
      s.end = s.next + count * kCell;
      s.cells += count;
    }
    unsigned char *cell = s.next;
    s.next += kCell;
    cell[0] = kPooled;
    return cell + kHeader;
  }

  static void deallocate(void *p) noexcept {
    if (!p) return;
    if (!TOOLORCH_CELL_POOL) return ::operator delete(p);
    unsigned char *cell = static_cast<unsigned char *>(p) - kHeader;
    if (cell[0] != kPooled) return ::operator delete(cell);
    Slabs &s = slabs();
    Lock lk(s);
    s.free = new (p) FreeCell{s.free};
  }

  // Cells made so far (pooled, handed out or not yet; not those allocated
  // alone).
  static size_t cells() {
    Slabs &s = slabs();
    Lock lk(s);
    return s.cells;
  }

 private:
  static constexpr size_t kHeader = 16;  // keeps the object 16-aligned
  static constexpr size_t kCell = kHeader + (kSize + 15) / 16 * 16;  // a multiple of 16
  static constexpr size_t kSlabCells = 64;
  // Slabs stay under malloc's mmap threshold (128 KiB): from the heap, they
  // may reuse what was freed there.
  static constexpr size_t kMaxSlabCells = std::max<size_t>(kSlabCells, (64 << 10) / kCell);
  enum : unsigned char { kAlone = 0, kPooled = 1 };
  struct FreeCell {
    FreeCell *next;
  };
  struct Slabs {
    // A spin lock: held for a few pointer moves (a new slab's 64 at most),
    // it costs two atomic operations where a mutex costs two calls.
    std::atomic<bool> busy{false};
    FreeCell *free = nullptr;
    unsigned char *next = nullptr, *end = nullptr;  // the last slab's cells not handed out yet
    size_t cells = 0;
    std::vector<std::unique_ptr<unsigned char[]>> slabs;
  };
  struct Lock {
    explicit Lock(Slabs &s) : s_(s) {
      for (int spins = 0; s_.busy.exchange(true, std::memory_order_acquire);)
        if (++spins % 64 == 0) std::this_thread::yield();
    }
    ~Lock() { s_.busy.store(false, std::memory_order_release); }
    Lock(const Lock &) = delete;
    Lock &operator=(const Lock &) = delete;
    Slabs &s_;
  };
  static Slabs &slabs() {
    static Slabs *s = new Slabs;  // never destroyed: objects may be dropped during exit
    return *s;
  }
  static void *alone(size_t n) {
    auto *cell = static_cast<unsigned char *>(::operator new(kHeader + n));
    cell[0] = kAlone;
    return cell + kHeader;
  }
};

// An allocator of T from a CellPool (std::allocate_shared: the shared
// object and its count in one pooled cell). Stateless.
template <class T, size_t kMaxCells>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U, kMaxCells> &) noexcept {}  // NOLINT: rebinding
  template <class U>
  struct rebind {
    using other = PoolAllocator<U, kMaxCells>;
  };
  T *allocate(size_t n) {
    if (n != 1) return static_cast<T *>(::operator new(n * sizeof(T)));
    return static_cast<T *>(CellPool<sizeof(T), kMaxCells>::allocate(sizeof(T)));
  }
  void deallocate(T *p, size_t n) noexcept {
    if (n != 1) return ::operator delete(p);
    CellPool<sizeof(T), kMaxCells>::deallocate(p);
  }
  template <class U>
  bool operator==(const PoolAllocator<U, kMaxCells> &) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const PoolAllocator<U, kMaxCells> &) const noexcept {
    return false;
  }
};

}  // namespace toolorch::obs
