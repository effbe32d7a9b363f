// The caching allocator behind Storage: freed buffers are kept per size class
// and handed out again, so repeated shapes (every training step) reuse memory.
#include "autograd/storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "autograd/error.h"

namespace ember {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMaxCachedBytes = size_t(2) << 30;  // beyond this, freed buffers go back to the OS

// Size classes: multiples of 64 bytes up to 4 KiB, then 8 steps per power of two,
// so a reused buffer wastes at most 12.5%.
size_t size_class(size_t n) {
  if (n <= 4096) return (n + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = size_t(1) << (63 - __builtin_clzll(n));
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

class CachingAllocator {
 public:
  void* allocate(size_t n) {
    size_t c = size_class(n);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(c);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= c;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlignment, std::max(c, kAlignment));
    if (!p) {
      empty();
      p = std::aligned_alloc(kAlignment, std::max(c, kAlignment));
      // PyTorch's wording (a RuntimeError that names the size), not a bare bad_alloc.
      if (!p) throw Error(fmt::format("DefaultCPUAllocator: can't allocate memory: you tried to allocate {} bytes.", n));
    }
    return p;
  }

  void release(void* p, size_t n) {
    size_t c = size_class(n);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + c <= kMaxCachedBytes) {
        free_[c].push_back(p);
        cached_ += c;
        return;
      }
    }
    std::free(p);
  }

  void empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [c, list] : free_)
      for (void* p : list) std::free(p);
    free_.clear();
    cached_ = 0;
  }

  size_t cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

 private:
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

CachingAllocator& allocator() {
  static auto* a = new CachingAllocator();  // never destroyed: storages may outlive static destruction
  return *a;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  void* p = allocator().allocate(nbytes);
  return std::shared_ptr<Storage>(new Storage(p, nbytes, nullptr));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::function<void()> release) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(release)));
}

Storage::~Storage() {
  if (release_)
    release_();
  else
    allocator().release(data_, nbytes_);
}

void empty_cache() { allocator().empty(); }
size_t cached_bytes() { return allocator().cached(); }

}  // namespace ember
