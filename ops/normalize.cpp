// F.normalize as PyTorch writes it: input / norm(input, p, dim).clamp_min(eps),
// the norm a composition of ember ops (so its gradients are theirs).
#include <cmath>

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/norm.h"
#include "ops/reduce.h"

namespace ember {

Tensor normalize(const Tensor& input, const NormalizeFuncOptions& o) {
  check_floating("normalize", input);
  EMBER_CHECK(o.p() > 0, "normalize: expected p > 0, got p={}", o.p());
  EMBER_CHECK(o.eps() >= 0, "normalize: expected eps >= 0, got eps={}", o.eps());
  const int64_t dim = wrap_dim(o.dim(), std::max<int64_t>(input.dim(), 1), "normalize");
  Tensor a = abs(input), norm;
  if (std::isinf(o.p())) norm = amax(a, {dim}, true);
  else if (o.p() == 1.0) norm = sum(a, {dim}, true);
  else if (o.p() == 2.0) norm = sqrt(sum(input * input, {dim}, true));
  else norm = pow(sum(pow(a, o.p()), {dim}, true), 1.0 / o.p());
  return input / clamp(norm, Scalar(o.eps()));
}

}  // namespace ember
