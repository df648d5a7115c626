#include "core/event.h"

#include "obs/cell_pool.h"

namespace toolorch::core {

// At most 8,192 cells (about 3 MiB), kept for reuse until exit: events
// queued for a slow consumer beyond that many are allocated one by one.
using EventCells = obs::CellPool<sizeof(Event), 8192>;

void *Event::operator new(size_t n) { return EventCells::allocate(n); }

void Event::operator delete(void *p) noexcept { EventCells::deallocate(p); }

}  // namespace toolorch::core
