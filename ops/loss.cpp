// Losses. nll_loss is a gather kernel whose gradient is a constant, weighted
// one-hot tensor times the incoming gradient (so it is differentiable in the
// incoming gradient, which is all double backward needs); cross_entropy
// composes log_softmax and nll_loss. The elementwise losses are compositions
// of ember ops and need no rule of their own.
#include "ops/loss.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "autograd/node.h"
#include "ops/activation.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/softmax.h"

namespace ember {
namespace {

const char* reduction_name(LossReduction r) {
  switch (r) {
    case LossReduction::None: return "none";
    case LossReduction::Mean: return "mean";
    case LossReduction::Sum: return "sum";
    default: return "batchmean";
  }
}

Tensor reduce_loss(const char* op, const Tensor& loss, LossReduction reduction) {
  EMBER_CHECK(reduction != LossReduction::BatchMean, "{}: expected reduction 'none', 'mean' or 'sum', got '{}'", op,
              reduction_name(reduction));
  if (reduction == LossReduction::None) return loss;
  return reduction == LossReduction::Sum ? sum(loss) : mean(loss);
}

// The elementwise losses (mse, l1, smooth_l1, huber) broadcast input against
// target as PyTorch does; a mismatch is reported under the loss's own name.
void check_pointwise(const char* op, const Tensor& input, const Tensor& target) {
  check_floating(op, input);
  check_floating(op, target, "target");
  broadcast_shapes(input.shape(), target.shape(), op);
}

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  EMBER_CHECK(input.shape() == target.shape(), "{}: expected target of the input's shape {}, got {}", op,
              shape_str(input.shape()), shape_str(target.shape()));
}

// Class-index targets: input (C) with target (), or (N, C, d...) with target (N, d...).
struct ClassLayout {
  int64_t n = 1, c = 1, s = 1;  // batch, classes, spatial positions
  int64_t class_dim = 0;
};

ClassLayout check_class_target(const char* op, const Tensor& input, const Tensor& target, const Tensor& weight,
                               int64_t ignore_index) {
  check_floating(op, input);
  EMBER_CHECK(target.defined(), "{}: expected a defined target tensor", op);
  EMBER_CHECK(input.dim() >= 1, "{}: expected input with at least 1 dimension (C) or (N, C, ...), got shape {}", op,
              shape_str(input.shape()));
  EMBER_CHECK_TYPE(target.dtype() == kInt64, "{}: expected target to hold int64 class indices, got {}", op,
                   dtype_name(target.dtype()));
  ClassLayout l;
  Shape want;
  if (input.dim() == 1) {
    l.c = input.size(0);
  } else {
    l.class_dim = 1;
    l.n = input.size(0);
    l.c = input.size(1);
    want.push_back(l.n);
    for (int64_t d = 2; d < input.dim(); ++d) {
      want.push_back(input.size(d));
      l.s *= input.size(d);
    }
  }
  EMBER_CHECK(target.shape() == want, "{}: expected target of shape {} for input of shape {}, got {}", op,
              shape_str(want), shape_str(input.shape()), shape_str(target.shape()));
  if (weight.defined()) {
    check_floating(op, weight, "weight");
    EMBER_CHECK(weight.dim() == 1 && weight.numel() == l.c,
                "{}: expected weight of shape [{}] (one per class), got {}", op, l.c, shape_str(weight.shape()));
  }
  Tensor t = contiguous(target);
  const int64_t* pt = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    EMBER_CHECK_INDEX(pt[i] == ignore_index || (pt[i] >= 0 && pt[i] < l.c),
                      "{}: target {} is out of bounds for {} classes (expected 0 <= target < {})", op, pt[i], l.c, l.c);
  return l;
}

// Class weights as doubles (1 for every class when undefined).
std::vector<double> class_weights(const Tensor& weight, int64_t c) {
  return weight.defined() ? weight.to_vector() : std::vector<double>(size_t(c), 1.0);
}

// Sum of the weights of the non-ignored targets ('mean' divides by it).
double total_weight(const Tensor& target, const std::vector<double>& w, int64_t ignore_index) {
  Tensor t = contiguous(target);
  const int64_t* pt = t.data_ptr<int64_t>();
  double total = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (pt[i] != ignore_index) total += w[size_t(pt[i])];
  return total;
}

// The gradient of nll_loss with respect to its input, per unit incoming
// gradient: -w[t] / scale at (n, t, s), 0 elsewhere and on ignored targets.
Tensor nll_grad_mask(const Shape& shape, Dtype dtype, const ClassLayout& l, const Tensor& target, const std::vector<double>& w,
                     int64_t ignore_index, double scale) {
  Tensor m = zeros(shape, dtype);
  Tensor t = contiguous(target);
  const int64_t* pt = t.data_ptr<int64_t>();
  dispatch_floating(dtype, "nll_loss", [&](auto tag) {
    using T = decltype(tag);
    T* pm = m.data_ptr<T>();
    for (int64_t n = 0; n < l.n; ++n)
      for (int64_t s = 0; s < l.s; ++s) {
        int64_t k = pt[n * l.s + s];
        if (k != ignore_index) pm[(n * l.c + k) * l.s + s] = T(-w[size_t(k)] / scale);
      }
  });
  return m;
}

}  // namespace

LossReduction loss_reduction(const std::string& name, const char* op) {
  if (name == "none") return LossReduction::None;
  if (name == "mean") return LossReduction::Mean;
  if (name == "sum") return LossReduction::Sum;
  EMBER_CHECK(name == "batchmean", "{}: expected reduction 'none', 'mean' or 'sum', got '{}'", op, name);
  return LossReduction::BatchMean;
}

// d input = g * (-w[t] at the target class) / (total weight for 'mean')
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  const Tensor& weight = options.weight();
  const int64_t ignore_index = options.ignore_index();
  const LossReduction reduction = options.reduction();
  EMBER_CHECK(reduction != LossReduction::BatchMean, "nll_loss: expected reduction 'none', 'mean' or 'sum', got '{}'",
              reduction_name(reduction));
  ClassLayout l = check_class_target("nll_loss", input, target, weight, ignore_index);
  std::vector<double> w = class_weights(weight, l.c);
  Tensor x = contiguous(input), t = contiguous(target);
  const int64_t* pt = t.data_ptr<int64_t>();
  Tensor per = make_tensor(target.shape(), x.dtype());
  double total = 0, wsum = 0;
  dispatch_floating(x.dtype(), "nll_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* pp = per.data_ptr<T>();
    for (int64_t n = 0; n < l.n; ++n)
      for (int64_t s = 0; s < l.s; ++s) {
        int64_t k = pt[n * l.s + s];
        double v = 0;
        if (k != ignore_index) {
          v = -w[size_t(k)] * double(px[(n * l.c + k) * l.s + s]);
          wsum += w[size_t(k)];
        }
        pp[n * l.s + s] = T(v);
        total += v;
      }
  });
  Tensor out = reduction == LossReduction::None ? per
               : scalar_tensor(reduction == LossReduction::Sum ? total : total / wsum, x.dtype());
  if (any_requires_grad({&x})) {
    double scale = reduction == LossReduction::Mean ? wsum : 1.0;
    bool unsqueeze_grad = reduction == LossReduction::None && x.dim() >= 2;
    SavedVariable st(t, false);
    record("NllLossBackward0", {x}, out,
           [st, l, w, ignore_index, scale, unsqueeze_grad, shape = x.shape(), dtype = x.dtype()](
               const tensor_list& g) -> tensor_list {
             Tensor m = nll_grad_mask(shape, dtype, l, st.unpack(), w, ignore_index, scale);
             return {m * (unsqueeze_grad ? unsqueeze(g[0], 1) : g[0])};
           });
  }
  return out;
}

// log_softmax over the class dim, then nll_loss (class indices) or the
// probability-weighted sum (class probabilities); label smoothing as PyTorch.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  const Tensor& weight = options.weight();
  const int64_t ignore_index = options.ignore_index();
  const LossReduction reduction = options.reduction();
  const double label_smoothing = options.label_smoothing();
  const char* op = "cross_entropy";
  check_floating(op, input);
  EMBER_CHECK(target.defined(), "{}: expected a defined target tensor", op);
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
              "{}: expected label_smoothing in [0.0, 1.0], got {}", op, label_smoothing);
  EMBER_CHECK(reduction != LossReduction::BatchMean, "{}: expected reduction 'none', 'mean' or 'sum', got '{}'", op,
              reduction_name(reduction));
  EMBER_CHECK(input.dim() >= 1, "{}: expected input with at least 1 dimension (C) or (N, C, ...), got shape {}", op,
              shape_str(input.shape()));
  int64_t class_dim = input.dim() == 1 ? 0 : 1;
  int64_t c = input.size(class_dim);
  Shape wshape(size_t(input.dim() - class_dim), 1);  // weight broadcast along the class dim
  wshape[0] = c;
  if (target.is_floating_point()) {
    check_same_shape(op, input, target);
    if (weight.defined()) {
      check_floating(op, weight, "weight");
      EMBER_CHECK(weight.dim() == 1 && weight.numel() == c, "{}: expected weight of shape [{}] (one per class), got {}",
                  op, c, shape_str(weight.shape()));
    }
    Tensor lsm = log_softmax(input, class_dim);
    Tensor t = label_smoothing > 0 ? target * (1.0 - label_smoothing) + label_smoothing / double(c) : target;
    Tensor prod = weight.defined() ? lsm * t * reshape(weight, wshape) : lsm * t;
    Tensor loss = -sum(prod, {class_dim});
    if (reduction == LossReduction::None) return loss;
    if (reduction == LossReduction::Sum) return sum(loss);
    return sum(loss) / double(input.numel() / std::max<int64_t>(c, 1));
  }
  check_class_target(op, input, target, weight, ignore_index);
  Tensor lsm = log_softmax(input, class_dim);
  Tensor nll =
      nll_loss(lsm, target, NLLLossFuncOptions().weight(weight).ignore_index(ignore_index).reduction(reduction));
  if (label_smoothing == 0.0) return nll;
  Tensor smooth = -sum(weight.defined() ? lsm * reshape(weight, wshape) : lsm, {class_dim});
  Tensor ignored = eq(target, scalar_tensor(ignore_index, kInt64));
  smooth = where(ignored, zeros_like(smooth), smooth);
  if (reduction == LossReduction::Sum) smooth = sum(smooth);
  else if (reduction == LossReduction::Mean)
    smooth = sum(smooth) / total_weight(target, class_weights(weight, c), ignore_index);
  return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / double(c));
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  const LossReduction reduction = options.reduction();
  check_pointwise("mse_loss", input, target);
  Tensor d = input - target;
  return reduce_loss("mse_loss", d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  const LossReduction reduction = options.reduction();
  check_pointwise("l1_loss", input, target);
  return reduce_loss("l1_loss", abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options) {
  const LossReduction reduction = options.reduction();
  const double beta = options.beta();
  check_pointwise("smooth_l1_loss", input, target);
  EMBER_CHECK(beta >= 0, "smooth_l1_loss: expected beta >= 0, got beta={}", beta);
  Tensor d = abs(input - target);
  if (beta == 0.0) return reduce_loss("smooth_l1_loss", d, reduction);
  return reduce_loss("smooth_l1_loss", where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options) {
  const LossReduction reduction = options.reduction();
  const double delta = options.delta();
  check_pointwise("huber_loss", input, target);
  EMBER_CHECK(delta > 0, "huber_loss: expected delta > 0, got delta={}", delta);
  Tensor d = abs(input - target);
  return reduce_loss("huber_loss", where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  const Tensor& weight = options.weight();
  const LossReduction reduction = options.reduction();
  const char* op = "binary_cross_entropy";
  check_floating(op, input);
  check_floating(op, target, "target");
  check_same_shape(op, input, target);
  if (weight.defined()) check_floating(op, weight, "weight");
  for (double v : input.to_vector())
    EMBER_CHECK(v >= 0.0 && v <= 1.0, "{}: expected every input element in [0, 1], got {}", op, v);
  // log clamped at -100 as PyTorch, so x = 0 or 1 gives a finite loss.
  Tensor loss = -(target * clamp(log(input), -100.0) + (1.0 - target) * clamp(log(1.0 - input), -100.0));
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(op, loss, reduction);
}

// (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x): no exp of a large argument.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  const Tensor &weight = options.weight(), &pos_weight = options.pos_weight();
  const LossReduction reduction = options.reduction();
  const char* op = "binary_cross_entropy_with_logits";
  check_floating(op, input);
  check_floating(op, target, "target");
  check_same_shape(op, input, target);
  if (weight.defined()) check_floating(op, weight, "weight");
  if (pos_weight.defined()) check_floating(op, pos_weight, "pos_weight");
  Tensor sp = softplus(-input);
  Tensor loss = pos_weight.defined() ? (1.0 - target) * input + ((pos_weight - 1.0) * target + 1.0) * sp
                                     : (1.0 - target) * input + sp;
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(op, loss, reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options) {
  const LossReduction reduction = options.reduction();
  const bool log_target = options.log_target();
  check_floating("kl_div", input);
  check_floating("kl_div", target, "target");
  Tensor loss;
  if (log_target) {
    loss = exp(target) * (target - input);
  } else {
    // xlogy(t, t) - t x: 0 where t = 0 (log of 1 keeps both branches finite),
    // NaN where t < 0, as in PyTorch.
    Tensor nonzero = target != 0.0;
    loss = target * log(where(nonzero, target, 1.0)) - target * input;
  }
  if (reduction != LossReduction::BatchMean) return reduce_loss("kl_div", loss, reduction);
  return sum(loss) / double(input.dim() > 0 ? input.size(0) : 1);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options) {
  const int64_t p = options.p();
  const double margin = options.margin();
  const Tensor& weight = options.weight();
  const LossReduction reduction = options.reduction();
  const char* op = "multi_margin_loss";
  EMBER_CHECK(p == 1 || p == 2, "{}: expected p to be 1 or 2, got p={}", op, p);
  check_floating(op, input);
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, "{}: expected input of shape (N, C) or (C), got {}", op,
              shape_str(input.shape()));
  ClassLayout l = check_class_target(op, input, target, weight, std::numeric_limits<int64_t>::min());
  Tensor x = input.dim() == 1 ? unsqueeze(input, 0) : input;
  Tensor t = reshape(target, {l.n, 1});
  Tensor picked = gather(x, 1, t);  // x[n, y_n]
  Tensor z = clamp(x - picked + margin, 0.0);
  if (p == 2) z = z * z;
  Tensor is_target = eq(unsqueeze(arange(l.c, kInt64), 0), t);
  z = where(is_target, zeros_like(z), z);
  if (weight.defined()) z = z * unsqueeze(index_select(weight, 0, reshape(target, {l.n})), 1);
  Tensor loss = sum(z, {1}) / double(l.c);
  if (input.dim() == 1) loss = reshape(loss, {});
  return reduce_loss(op, loss, reduction);
}

}  // namespace ember
