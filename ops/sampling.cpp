// multinomial: inverse-CDF draws from the default (or given) generator, one
// row at a time in row-major order, so a seed gives the same samples everywhere.
#include "ops/sampling.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "ops/checks.h"

namespace ember {

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* gen) {
  check_floating("multinomial", probs, "prob_dist");
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2, "multinomial: prob_dist must be 1 or 2 dim, got {}", probs.dim());
  int64_t n = probs.size(-1), rows = probs.dim() == 2 ? probs.size(0) : 1;
  EMBER_CHECK(n > 0, "multinomial: prob_dist cannot be empty");
  EMBER_CHECK(num_samples > 0, "multinomial: cannot sample n_sample <= 0 samples, got {}", num_samples);
  EMBER_CHECK(replacement || num_samples <= n,
              "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement ({} > {})",
              num_samples, n);
  std::vector<double> w = contiguous_data(probs).to_vector();
  for (double v : w)
    EMBER_CHECK(std::isfinite(v) && v >= 0, "multinomial: probability tensor contains either `inf`, `nan` or element < 0");
  Tensor out = make_tensor(probs.dim() == 2 ? Shape{rows, num_samples} : Shape{num_samples}, kInt64);
  int64_t* po = out.data_ptr<int64_t>();
  Generator& g = gen ? *gen : default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> row(w.begin() + r * n, w.begin() + (r + 1) * n);
    for (int64_t s = 0; s < num_samples; ++s) {
      double total = 0;
      for (double v : row) total += v;
      EMBER_CHECK(total > 0, "multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
      double u = g.uniform() * total, acc = 0;
      int64_t pick = n - 1;
      for (int64_t k = 0; k < n; ++k) {
        acc += row[size_t(k)];
        if (u < acc && row[size_t(k)] > 0) {
          pick = k;
          break;
        }
      }
      while (row[size_t(pick)] == 0 && pick > 0) --pick;  // rounding past the end: the last positive weight
      po[r * num_samples + s] = pick;
      if (!replacement) row[size_t(pick)] = 0;
    }
  }
  return out;
}

}  // namespace ember
