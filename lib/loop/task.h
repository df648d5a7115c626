// A piece of work for the loop (Scheduler::post_task): a move-only callable
// held in place when it fits kRoom bytes, as most posted work does (a
// pointer, a counted reference, a few flags and a std::string), where a
// std::function allocates for anything past two pointers. Larger ones are
// held on the heap.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace toolorch::loop {

class Task {
 public:
  static constexpr size_t kRoom = 64;
  // Whether a callable of type F is held in place (no allocation).
  template <class F>
  static constexpr bool fits_inline() {
    return sizeof(F) <= kRoom && alignof(F) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<F>;
  }

  Task() noexcept = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Task>>>
  Task(F &&f) {  // NOLINT(google-explicit-constructor): posted as is
    using Fn = std::decay_t<F>;
    if constexpr (fits_inline<Fn>()) {
      new (room_) Fn(std::forward<F>(f));
      ops_ = &inline_ops<Fn>;
    } else {
      new (room_) Fn *(new Fn(std::forward<F>(f)));
      ops_ = &heap_ops<Fn>;
    }
  }
  Task(Task &&o) noexcept { take(o); }
  Task &operator=(Task &&o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  Task(const Task &) = delete;
  Task &operator=(const Task &) = delete;
  ~Task() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  void operator()() { ops_(Op::kRun, this, nullptr); }
  void reset() {
    if (!ops_) return;
    auto ops = ops_;
    ops_ = nullptr;
    ops(Op::kDestroy, this, nullptr);
  }

 private:
  enum class Op { kRun, kMove, kDestroy };
  using Ops = void (*)(Op, Task *, Task *);

  void take(Task &o) noexcept {
    if (!o.ops_) return;
    o.ops_(Op::kMove, &o, this);
    ops_ = o.ops_;
    o.ops_ = nullptr;
  }
  template <class Fn>
  static void inline_ops(Op op, Task *self, Task *to) {
    Fn *f = std::launder(reinterpret_cast<Fn *>(self->room_));
    switch (op) {
      case Op::kRun: (*f)(); break;
      case Op::kMove:
        new (to->room_) Fn(std::move(*f));
        f->~Fn();
        break;
      case Op::kDestroy: f->~Fn(); break;
    }
  }
  template <class Fn>
  static void heap_ops(Op op, Task *self, Task *to) {
    Fn *f = *std::launder(reinterpret_cast<Fn **>(self->room_));
    switch (op) {
      case Op::kRun: (*f)(); break;
      case Op::kMove: new (to->room_) Fn *(f); break;
      case Op::kDestroy: delete f; break;
    }
  }

  alignas(std::max_align_t) unsigned char room_[kRoom];
  Ops ops_ = nullptr;
};

}  // namespace toolorch::loop
