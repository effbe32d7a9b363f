// The seeded random generator behind init, dropout, shuffling and
// augmentation. Uniform and normal values are derived from the raw
// mt19937_64 output here (not by <random> distributions), so a seed gives
// the same numbers with every compiler and standard library.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace ember {

class Generator {
 public:
  explicit Generator(uint64_t seed = 5489) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }
  /// Raw 64 random bits.
  uint64_t next_u64() { return engine_(); }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller over two uniforms).
  double normal();
  /// Uniform integer in [low, high); requires low < high.
  int64_t randint(int64_t low, int64_t high);
  /// Serialised engine state, for checkpoints; set_state restores it exactly.
  std::string state() const;
  void set_state(const std::string& state);
  /// Guards the generator when several threads draw from it.
  std::mutex& mutex() { return mutex_; }

 private:
  std::mt19937_64 engine_;
  uint64_t seed_ = 0;
  bool has_spare_ = false;
  double spare_ = 0.0;
  std::mutex mutex_;
};

/// The process-wide generator used when an op is given none.
Generator& default_generator();
/// Seeds the default generator (PyTorch's torch.manual_seed).
void manual_seed(uint64_t seed);

}  // namespace ember
