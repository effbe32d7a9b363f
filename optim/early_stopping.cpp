// EarlyStopping's counter of epochs without improvement.
#include "optim/early_stopping.h"

#include <cmath>
#include <limits>

#include "autograd/error.h"

namespace ember::optim {

EarlyStopping::EarlyStopping(int64_t patience, double min_delta, const std::string& mode)
    : patience_(patience), min_delta_(min_delta), minimize_(mode == "min") {
  EMBER_CHECK(patience >= 0, "EarlyStopping: expected patience >= 0, got {}", patience);
  EMBER_CHECK(min_delta >= 0, "EarlyStopping: expected min_delta >= 0, got {}", min_delta);
  EMBER_CHECK(mode == "min" || mode == "max", "EarlyStopping: expected mode 'min' or 'max', got '{}'", mode);
  best_ = minimize_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

bool EarlyStopping::step(double metric) {
  // A NaN metric never counts as an improvement.
  improved_ = minimize_ ? metric < best_ - min_delta_ : metric > best_ + min_delta_;
  if (improved_) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  return should_stop();
}

std::map<std::string, double> EarlyStopping::state_dict() const {
  return {{"best", best_}, {"num_bad_epochs", double(num_bad_epochs_)}};
}

void EarlyStopping::load_state_dict(const std::map<std::string, double>& state) {
  auto best = state.find("best"), bad = state.find("num_bad_epochs");
  EMBER_CHECK(best != state.end() && bad != state.end(),
              "EarlyStopping.load_state_dict: expected 'best' and 'num_bad_epochs'");
  best_ = best->second;
  num_bad_epochs_ = int64_t(bad->second);
}

}  // namespace ember::optim
