// EarlyStopping: stop training once a validation metric has stopped
// improving for `patience` epochs (improvement meaning better by more than
// min_delta, lower in mode "min", higher in mode "max").
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ember::optim {

class EarlyStopping {
 public:
  explicit EarlyStopping(int64_t patience = 10, double min_delta = 0.0, const std::string& mode = "min");
  /// Records one epoch's metric; returns true once training should stop.
  bool step(double metric);
  bool should_stop() const { return num_bad_epochs_ >= patience_; }
  /// Whether the last step() improved on the best metric.
  bool improved() const { return improved_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::map<std::string, double> state_dict() const;
  void load_state_dict(const std::map<std::string, double>& state);

 private:
  int64_t patience_;
  double min_delta_;
  bool minimize_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  bool improved_ = false;
};

}  // namespace ember::optim
