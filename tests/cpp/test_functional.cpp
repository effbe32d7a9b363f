// ember::nn::functional as a libtorch user writes it: every option set through
// the chained setters must reach the op (compared with the op called with the
// same arguments spelled out), and the defaults must be PyTorch's.
#include <catch2/catch.hpp>

#include "nn/functional.h"
#include "ops/activation.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/softmax.h"
#include "test_helpers.h"

namespace F = ember::nn::functional;
using namespace ember;
using test::values;

TEST_CASE("functional conv and pooling pass every option to the op", "[functional]") {
  Tensor x = test::seq({2, 4, 7, 6}), w = test::seq({6, 2, 3, 2}) * 0.01, b = test::seq({6});
  Tensor y = F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride({2, 1}).padding(1).dilation({1, 2}).groups(2));
  CHECK(values(y) == values(conv2d(x, w, Conv2dFuncOptions().bias(b).stride({2, 1}).padding(1).dilation({1, 2}).groups(2))));
  CHECK(F::conv2d(x, w, F::Conv2dFuncOptions().groups(2).padding(kSame)).shape() == Shape{2, 6, 7, 6});
  Tensor x1 = test::seq({2, 2, 9});
  CHECK(values(F::conv1d(x1, test::seq({3, 2, 3}), F::Conv1dFuncOptions().stride(2).padding(kValid))) ==
        values(conv1d(x1, test::seq({3, 2, 3}), Conv1dFuncOptions().stride(2))));

  CHECK(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1).ceil_mode(true)).shape() ==
        Shape{2, 4, 4, 4});
  auto [values_, indices] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions({2, 3}));
  CHECK(values_.shape() == Shape{2, 4, 3, 2});
  CHECK(indices.dtype() == kInt64);
  CHECK(values(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).padding(1).count_include_pad(false))) ==
        values(avg_pool2d(x, AvgPool2dFuncOptions(2).padding(1).count_include_pad(false))));
  CHECK(F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1)).shape() == Shape{2, 4, 1, 1});
  CHECK(F::lp_pool2d(x, F::LPPool2dFuncOptions(2.0, 2)).shape() == Shape{2, 4, 3, 3});
}

TEST_CASE("functional activations, losses and norms take libtorch's options and defaults", "[functional]") {
  Tensor x = test::seq({3, 4}) - 8.0;
  CHECK(values(F::leaky_relu(x)) == values(leaky_relu(x, LeakyReLUFuncOptions().negative_slope(0.01))));
  CHECK(values(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.3))) ==
        values(leaky_relu(x, LeakyReLUFuncOptions().negative_slope(0.3))));
  CHECK(values(F::gelu(x, F::GELUFuncOptions().approximate("tanh"))) ==
        values(gelu(x, GELUFuncOptions().approximate("tanh"))));
  CHECK(values(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(3))) ==
        values(hardtanh(x, HardtanhFuncOptions().min_val(-2).max_val(3))));
  CHECK(values(F::softmax(x, F::SoftmaxFuncOptions(0))) == values(softmax(x, 0)));

  Tensor target = tensor(std::vector<double>{0, 3, 1}, {3}, kInt64);
  CHECK(values(F::cross_entropy(x, target, F::CrossEntropyFuncOptions().label_smoothing(0.1).reduction(kSum))) ==
        values(cross_entropy(x, target, {}, -100, LossReduction::Sum, 0.1)));
  CHECK(values(F::nll_loss(x, target, F::NLLLossFuncOptions().ignore_index(3))) ==
        values(nll_loss(x, target, {}, 3)));
  CHECK(F::mse_loss(x, x * 2.0, F::MSELossFuncOptions().reduction(kNone)).shape() == Shape{3, 4});
  CHECK(values(F::kl_div(x, x, F::KLDivFuncOptions().reduction(kBatchMean).log_target(true))) ==
        values(kl_div(x, x, LossReduction::BatchMean, true)));

  Tensor mean = zeros({4}, kFloat64), var = ones({4}, kFloat64);
  F::batch_norm(x, mean, var, F::BatchNormFuncOptions().training(true).momentum(0.5));
  // x[i][j] = 0.5 + 1.25 (4i + j) - 8: column means -2.5 + 1.25 j, halved by momentum 0.5.
  for (int64_t j = 0; j < 4; ++j) CHECK(values(mean)[j] == Approx(0.5 * (-2.5 + 1.25 * double(j))));
  CHECK(values(F::layer_norm(x, F::LayerNormFuncOptions({4}).eps(1e-3))) == values(layer_norm(x, {4}, {}, {}, 1e-3)));
  CHECK(values(F::pad(x, F::PadFuncOptions({1, 2}).mode(kReplicate))) ==
        values(pad(x, {1, 2}, PadMode::Replicate)));
  CHECK(F::one_hot(target).shape() == Shape{3, 4});
  CHECK(values(F::dropout(x, F::DropoutFuncOptions().p(0.9).training(false))) == values(x));
}
