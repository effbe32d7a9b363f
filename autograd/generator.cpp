// Portable uniform/normal/integer draws from mt19937_64 (whose output the C++
// standard fixes bit for bit).
#include "autograd/generator.h"

#include <cmath>
#include <sstream>

#include "autograd/error.h"

namespace ember {

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  engine_.seed(seed);
  has_spare_ = false;
}

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  double u2 = uniform();
  double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

int64_t Generator::randint(int64_t low, int64_t high) {
  EMBER_CHECK(low < high, "randint: expected low < high, got low={}, high={}", low, high);
  uint64_t range = uint64_t(high) - uint64_t(low);
  // Rejection sampling keeps every value equally likely.
  uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  uint64_t x;
  do x = engine_(); while (x >= limit);
  return low + int64_t(x % range);
}

std::string Generator::state() const {
  std::ostringstream os;
  os << seed_ << ' ' << has_spare_ << ' ';
  os.precision(17);
  os << spare_ << ' ' << engine_;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream is(state);
  uint64_t seed;
  bool has_spare;
  double spare;
  std::mt19937_64 engine;
  is >> seed >> has_spare >> spare >> engine;
  EMBER_CHECK(!is.fail(), "Generator.set_state: the state string is not one Generator.state() produced");
  seed_ = seed;
  has_spare_ = has_spare;
  spare_ = spare;
  engine_ = engine;
}

Generator& default_generator() {
  static Generator g(0x2545F4914F6CDD1DULL);
  return g;
}

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(default_generator().mutex());
  default_generator().manual_seed(seed);
}

}  // namespace ember
