// Storage: one 64-byte-aligned buffer shared by a tensor and all its views,
// with the version counter that in-place ops bump and backward checks.
// Buffers come from a caching allocator so a training loop in steady state
// asks the OS for nothing new; external memory (NumPy, DLPack) is wrapped
// with its owner's deleter instead.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace ember {

class Storage {
 public:
  /// A fresh buffer of `nbytes` (contents uninitialised), 64-byte aligned.
  static std::shared_ptr<Storage> allocate(size_t nbytes);
  /// Borrows `data`; `release` runs when the last tensor using it dies.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::function<void()> release);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  Storage(void* data, size_t nbytes, std::function<void()> release)
      : data_(data), nbytes_(nbytes), release_(std::move(release)) {}
  void* data_;
  size_t nbytes_;
  std::function<void()> release_;  // empty: the buffer goes back to the cache
  std::atomic<uint32_t> version_{0};
};

/// Returns every cached, unused buffer to the OS.
void empty_cache();
/// Bytes held by the cache for reuse (not in use by any tensor).
size_t cached_bytes();

}  // namespace ember
