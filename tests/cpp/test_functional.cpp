// ember::nn::functional as a libtorch user writes it: its names are the ops of
// ops/ themselves (no second layer that could drop an option), each options
// struct defaults to PyTorch's documented defaults, and the options set through
// the chained setters change the result as PyTorch's arguments do.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/functional.h"
#include "test_helpers.h"

namespace F = ember::nn::functional;
using namespace ember;
using test::values;

TEST_CASE("functional names are the ops themselves", "[functional]") {
  CHECK(&F::conv2d == &ember::conv2d);
  CHECK(&F::max_pool2d == &ember::max_pool2d);
  CHECK(&F::gelu == &ember::gelu);
  CHECK(&F::softmax == &ember::softmax);
  CHECK(&F::dropout == &ember::dropout);
  CHECK(&F::pad == &ember::pad);
  CHECK(&F::batch_norm == &ember::batch_norm);
  CHECK(&F::layer_norm == &ember::layer_norm);
  CHECK(&F::cross_entropy == &ember::cross_entropy);
  CHECK(&F::kl_div == &ember::kl_div);
}

// The defaults of torch.nn.functional's signatures (PyTorch 2.13 documentation).
TEST_CASE("functional options default to PyTorch's arguments", "[functional]") {
  const Conv2dFuncOptions conv;
  CHECK((conv.stride() == Pair(1) && conv.padding() == Pair(0) && conv.dilation() == Pair(1) && conv.groups() == 1));
  CHECK(!conv.bias().defined());
  const MaxPool2dFuncOptions pool({3, 2});
  CHECK((pool.stride() == Pair(3, 2) && pool.padding() == Pair(0) && pool.dilation() == Pair(1) && !pool.ceil_mode()));
  const AvgPool2dFuncOptions avg(2);
  CHECK((avg.stride() == Pair(2) && avg.count_include_pad() && !avg.divisor_override()));
  CHECK(LeakyReLUFuncOptions().negative_slope() == 0.01);
  CHECK(ELUFuncOptions().alpha() == 1.0);
  CHECK(GELUFuncOptions().approximate() == "none");
  CHECK((SoftplusFuncOptions().beta() == 1.0 && SoftplusFuncOptions().threshold() == 20.0));
  CHECK((HardtanhFuncOptions().min_val() == -1.0 && HardtanhFuncOptions().max_val() == 1.0));
  CHECK(!SoftmaxFuncOptions(1).dtype());
  CHECK((DropoutFuncOptions().p() == 0.5 && DropoutFuncOptions().training()));
  CHECK((PadFuncOptions({1, 1}).mode() == kConstant && !PadFuncOptions({1, 1}).value()));
  const BatchNormFuncOptions bn;
  CHECK((!bn.training() && bn.momentum() == 0.1 && bn.eps() == 1e-5));
  CHECK(LayerNormFuncOptions({4}).eps() == 1e-5);
  CHECK(GroupNormFuncOptions(2).eps() == 1e-5);
  const InstanceNormFuncOptions in;
  CHECK((in.use_input_stats() && in.momentum() == 0.1 && in.eps() == 1e-5));
  const LocalResponseNormFuncOptions lrn(2);
  CHECK((lrn.alpha() == 1e-4 && lrn.beta() == 0.75 && lrn.k() == 1.0));
  const CrossEntropyFuncOptions ce;
  CHECK((ce.ignore_index() == -100 && ce.reduction() == kMean && ce.label_smoothing() == 0.0));
  CHECK((NLLLossFuncOptions().ignore_index() == -100 && NLLLossFuncOptions().reduction() == kMean));
  CHECK(MSELossFuncOptions().reduction() == kMean);
  CHECK(SmoothL1LossFuncOptions().beta() == 1.0);
  CHECK(HuberLossFuncOptions().delta() == 1.0);
  CHECK((KLDivFuncOptions().reduction() == kMean && !KLDivFuncOptions().log_target()));
  const MultiMarginLossFuncOptions mm;
  CHECK((mm.p() == 1 && mm.margin() == 1.0 && mm.reduction() == kMean));
}

// What each option does is tested with its op (test_conv.cpp, test_loss.cpp, ...);
// here the spelling a libtorch user writes reaches it, checked against results
// worked out by hand or by shape arithmetic.
TEST_CASE("functional conv and pooling options shape the result as PyTorch's", "[functional]") {
  Tensor x = test::seq({2, 4, 7, 6}), w = test::seq({6, 2, 3, 2}) * 0.01, b = test::seq({6});
  // H: (7 + 2 - 3) / 2 + 1 = 4; W: (6 + 2 - 2 * (2 - 1) - 1) / 1 + 1 = 6.
  CHECK(F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride({2, 1}).padding(1).dilation({1, 2}).groups(2)).shape() ==
        Shape{2, 6, 4, 6});
  CHECK(F::conv2d(x, w, F::Conv2dFuncOptions().groups(2).padding(kSame)).shape() == Shape{2, 6, 7, 6});
  CHECK(F::conv1d(test::seq({2, 2, 9}), test::seq({3, 2, 3}), F::Conv1dFuncOptions().stride(2).padding(kValid))
            .shape() == Shape{2, 3, 4});

  CHECK(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1).ceil_mode(true)).shape() ==
        Shape{2, 4, 4, 4});
  auto [values_, indices] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions({2, 3}));
  CHECK(values_.shape() == Shape{2, 4, 3, 2});
  CHECK(indices.dtype() == kInt64);
  // count_include_pad(false): the corner window holds x[0][0] alone (seq starts at 0.5).
  CHECK(values(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).padding(1).count_include_pad(false)))[0] == 0.5);
  CHECK(values(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).padding(1)))[0] == 0.125);
  CHECK(F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1)).shape() == Shape{2, 4, 1, 1});
  CHECK(F::lp_pool2d(x, F::LPPool2dFuncOptions(2.0, 2)).shape() == Shape{2, 4, 3, 3});
}

TEST_CASE("functional activations, losses and norms take libtorch's options", "[functional]") {
  Tensor x = test::seq({3, 4}) - 8.0;  // -7.5, -6.25, ..., 6.25
  const std::vector<double> xv = values(x);
  std::vector<double> leaky = values(F::leaky_relu(x)), sloped = values(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.3)));
  std::vector<double> clamped = values(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(3)));
  for (size_t i = 0; i < xv.size(); ++i) {
    CHECK(leaky[i] == Approx(xv[i] < 0 ? 0.01 * xv[i] : xv[i]));
    CHECK(sloped[i] == Approx(xv[i] < 0 ? 0.3 * xv[i] : xv[i]));
    CHECK(clamped[i] == std::min(3.0, std::max(-2.0, xv[i])));
  }
  // Along dim 0 each column sums to 1.
  Tensor s = F::softmax(x, F::SoftmaxFuncOptions(0));
  for (int64_t j = 0; j < 4; ++j) CHECK(values(s)[j] + values(s)[4 + j] + values(s)[8 + j] == Approx(1.0));

  Tensor target = tensor(std::vector<double>{0, 3, 1}, {3}, kInt64);
  CHECK(F::mse_loss(x, x * 2.0, F::MSELossFuncOptions().reduction(kNone)).shape() == Shape{3, 4});
  // nll_loss 'mean' over the targets that are not ignored: -(x[0][0] + x[2][1]) / 2.
  CHECK(values(F::nll_loss(x, target, F::NLLLossFuncOptions().ignore_index(3)))[0] == Approx(-(-7.5 + 3.75) / 2));
  CHECK(values(F::kl_div(x, x, F::KLDivFuncOptions().reduction(kBatchMean).log_target(true)))[0] == 0.0);

  Tensor mean = zeros({4}, kFloat64), var = ones({4}, kFloat64);
  F::batch_norm(x, mean, var, F::BatchNormFuncOptions().training(true).momentum(0.5));
  // x[i][j] = 0.5 + 1.25 (4i + j) - 8: column means -2.5 + 1.25 j, halved by momentum 0.5.
  for (int64_t j = 0; j < 4; ++j) CHECK(values(mean)[j] == Approx(0.5 * (-2.5 + 1.25 * double(j))));
  // The row -7.5, -6.25, -5, -3.75 has mean -5.625 and biased variance 1.25² * 1.25.
  CHECK(values(F::layer_norm(x, F::LayerNormFuncOptions({4}).eps(1e-3)))[0] ==
        Approx(-1.875 / std::sqrt(1.25 * 1.25 * 1.25 + 1e-3)));
  // Replicate: each row a b c d becomes a a b c d d d.
  std::vector<double> replicated;
  for (size_t r = 0; r < 3; ++r)
    for (size_t j : {0, 0, 1, 2, 3, 3, 3}) replicated.push_back(xv[4 * r + j]);
  CHECK(values(F::pad(x, F::PadFuncOptions({1, 2}).mode(kReplicate))) == replicated);
  CHECK(F::one_hot(target).shape() == Shape{3, 4});
  CHECK(values(F::dropout(x, F::DropoutFuncOptions().p(0.9).training(false))) == xv);
}
