// obs::CellPool and PoolAllocator (obs/cell_pool.h): cells of objects
// dropped are reused, objects past the bound are allocated alone, every
// object is destroyed once, and any thread may drop what another made.
// Run under TSan too; under ASan every object is allocated alone.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "obs/cell_pool.h"

#include "cmocka_cpp.h"

using toolorch::obs::CellPool;
using toolorch::obs::PoolAllocator;

namespace {

struct Thing {
  static std::atomic<int> live;
  explicit Thing(int v) : value(v) { ++live; }
  ~Thing() { --live; }
  int value;
  std::string text = std::string(40, 't');  // owns a block of its own
};
std::atomic<int> Thing::live{0};

constexpr size_t kBound = 128;  // two slabs
using Alloc = PoolAllocator<Thing, kBound>;

std::shared_ptr<Thing> make(int v) { return std::allocate_shared<Thing>(Alloc(), v); }

}  // namespace

static void cells_are_reused_and_bounded(void **) {
  std::vector<std::shared_ptr<Thing>> held;
  for (int i = 0; i < 200; ++i) held.push_back(make(i));  // 72 past the bound: alone
  for (int i = 0; i < 200; ++i) assert_int_equal(held[static_cast<size_t>(i)]->value, i);
  assert_int_equal(Thing::live.load(), 200);
  std::shared_ptr<Thing> one = held[5];  // shared: not destroyed with the vector
  held.clear();
  assert_int_equal(Thing::live.load(), 1);
  assert_int_equal(one->value, 5);
  one.reset();
  assert_int_equal(Thing::live.load(), 0);
  // A dropped object's cell is the next one made (the free list's top).
  auto a = make(1);
  Thing *at = a.get();
  a.reset();
  auto b = make(2);
  if (TOOLORCH_CELL_POOL) assert_ptr_equal(b.get(), at);
  assert_int_equal(b->value, 2);
  b.reset();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) held.push_back(make(i));
    held.clear();
  }
  assert_int_equal(Thing::live.load(), 0);
}

// The number of pooled cells stays at the bound, whatever is made.
static void the_pool_never_grows_past_its_bound(void **) {
  using Pool = CellPool<48, 64>;
  std::vector<void *> got;
  for (int i = 0; i < 100; ++i) got.push_back(Pool::allocate(48));
  got.push_back(Pool::allocate(1000));  // another size: alone
  for (void *p : got) Pool::deallocate(p);
  size_t made = Pool::cells();
  assert_int_equal(made, TOOLORCH_CELL_POOL ? 64 : 0);
  // The last pooled cell given back is the next one handed out.
  void *again = Pool::allocate(48);
  if (TOOLORCH_CELL_POOL) assert_ptr_equal(again, got[63]);
  Pool::deallocate(again);
  assert_int_equal(Pool::cells(), made);
}

// One thread makes, another drops, while the first keeps making.
static void another_thread_may_drop_what_one_made(void **) {
  constexpr int kItems = 20000;
  std::vector<std::shared_ptr<Thing>> handed(kItems);
  std::atomic<int> ready{0};
  std::thread dropper([&] {
    for (int i = 0; i < kItems; ++i) {
      while (ready.load(std::memory_order_acquire) <= i) std::this_thread::yield();
      assert_int_equal(handed[static_cast<size_t>(i)]->value, i);
      handed[static_cast<size_t>(i)].reset();
    }
  });
  for (int i = 0; i < kItems; ++i) {
    handed[static_cast<size_t>(i)] = make(i);
    ready.store(i + 1, std::memory_order_release);
  }
  dropper.join();
  assert_int_equal(Thing::live.load(), 0);
}

// Threads making and dropping at once never share a cell.
static void threads_at_once_never_share_a_cell(void **) {
  constexpr int kThreads = 4, kRounds = 20000;
  std::atomic<int> clashes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &clashes] {
      for (int i = 0; i < kRounds; ++i) {
        auto a = make(t * kRounds + i), b = make(-1 - t);
        if (i % 256 == 0) std::this_thread::yield();
        if (a->value != t * kRounds + i || b->value != -1 - t) ++clashes;
      }
    });
  }
  for (auto &th : threads) th.join();
  assert_int_equal(clashes.load(), 0);
  assert_int_equal(Thing::live.load(), 0);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cells_are_reused_and_bounded),
      cmocka_unit_test(the_pool_never_grows_past_its_bound),
      cmocka_unit_test(another_thread_may_drop_what_one_made),
      cmocka_unit_test(threads_at_once_never_share_a_cell),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
