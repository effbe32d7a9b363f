// nn::init: sample statistics within stated sampling bounds (n = 20000:
// the standard error of a mean is sigma / 141; tolerances are >= 5 of them),
// bounds respected, fans of conv weights, gains, and PyTorch's default
// initialisation of Linear and Conv2d.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;
using ember::test::expect_error;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  auto v = t.contiguous().to_vector();
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= double(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size() - 1));
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

}  // namespace

TEST_CASE("calculate_gain and fans follow PyTorch's definitions", "[init]") {
  CHECK(init::calculate_gain("linear") == 1.0);
  CHECK(init::calculate_gain("conv2d") == 1.0);
  CHECK(init::calculate_gain("sigmoid") == 1.0);
  CHECK(init::calculate_gain("tanh") == Approx(5.0 / 3.0));
  CHECK(init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3.0)));
  CHECK(init::calculate_gain("selu") == 0.75);
  expect_error<ValueError>([] { init::calculate_gain("swish"); }, "unsupported nonlinearity 'swish'");
  // Conv weight (out, in, kH, kW): fan_in = in kH kW, fan_out = out kH kW.
  auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(empty({64, 32, 3, 5}));
  CHECK(fan_in == 32 * 15);
  CHECK(fan_out == 64 * 15);
  auto fans = init::calculate_fan_in_and_fan_out(empty({10, 7}));
  CHECK(fans == std::pair<int64_t, int64_t>{7, 10});
  expect_error<ValueError>([] { init::calculate_fan_in_and_fan_out(empty({5})); }, "fewer than 2 dimensions");
}

TEST_CASE("uniform_ and normal_ have the requested moments and bounds", "[init]") {
  manual_seed(1);
  Tensor t = empty({20000});
  auto version = t._version();
  init::uniform_(t, -2.0, 3.0);
  CHECK(t._version() > version);
  Stats s = stats(t);
  CHECK(s.min >= -2.0);
  CHECK(s.max < 3.0);
  CHECK(s.mean == Approx(0.5).margin(0.06));         // sigma 1.44
  CHECK(s.std == Approx(5.0 / std::sqrt(12.0)).epsilon(0.03));

  init::normal_(t, 1.0, 2.0);
  s = stats(t);
  CHECK(s.mean == Approx(1.0).margin(0.08));
  CHECK(s.std == Approx(2.0).epsilon(0.03));

  init::constant_(t, 0.25);
  CHECK(stats(t).min == 0.25);
  CHECK(stats(t).max == 0.25);
  init::ones_(t);
  CHECK(stats(t).mean == 1.0);
  init::zeros_(t);
  CHECK(stats(t).max == 0.0);
}

TEST_CASE("xavier and kaiming scale with the fans of a conv weight", "[init]") {
  manual_seed(2);
  Tensor w = empty({64, 32, 3, 3}, kFloat64);  // fan_in 288, fan_out 576, 18432 elements
  init::xavier_uniform_(w, 2.0);
  double b = 2.0 * std::sqrt(6.0 / (288 + 576));
  Stats s = stats(w);
  CHECK(s.max <= b);
  CHECK(s.min >= -b);
  CHECK(s.max > 0.99 * b);
  CHECK(s.std == Approx(b / std::sqrt(3.0)).epsilon(0.03));

  init::xavier_normal_(w);
  CHECK(stats(w).std == Approx(std::sqrt(2.0 / (288 + 576))).epsilon(0.03));

  // MSRA: variance 2 / fan_in for ReLU.
  init::kaiming_normal_(w, 0.0, "fan_in", "relu");
  s = stats(w);
  CHECK(s.std == Approx(std::sqrt(2.0 / 288)).epsilon(0.03));
  CHECK(s.mean == Approx(0.0).margin(5 * s.std / std::sqrt(18432.0)));
  init::kaiming_normal_(w, 0.0, "fan_out", "relu");
  CHECK(stats(w).std == Approx(std::sqrt(2.0 / 576)).epsilon(0.03));

  init::kaiming_uniform_(w, std::sqrt(5.0));
  double bound = std::sqrt(1.0 / 3.0) * std::sqrt(3.0 / 288);  // = 1 / sqrt(fan_in)
  s = stats(w);
  CHECK(s.max <= bound);
  CHECK(s.min >= -bound);
  CHECK(s.max > 0.99 * bound);
  expect_error<ValueError>([&] { init::kaiming_uniform_(w, 0.0, "fan_avg"); }, "mode must be 'fan_in' or 'fan_out'");
}

TEST_CASE("trunc_normal_ stays inside [a, b] with the truncated moments", "[init]") {
  manual_seed(3);
  Tensor t = empty({20000}, kFloat64);
  init::trunc_normal_(t);
  Stats s = stats(t);
  CHECK(s.min >= -2.0);
  CHECK(s.max <= 2.0);
  CHECK(s.mean == Approx(0.0).margin(0.04));
  // Standard normal truncated to [-2, 2]: variance 1 - 2 * 2 phi(2) / (2 Phi(2) - 1) = 0.7737.
  CHECK(s.std == Approx(std::sqrt(0.77374)).epsilon(0.03));

  init::trunc_normal_(t, 1.0, 0.5, 0.8, 5.0);
  s = stats(t);
  CHECK(s.min >= 0.8);
  CHECK(s.max <= 5.0);
  // Left-truncated at alpha = -0.4: mean = mu + sigma phi(alpha) / (1 - Phi(alpha)).
  double phi = std::exp(-0.08) / std::sqrt(2 * M_PI), cdf = 0.5 * std::erfc(0.4 / std::sqrt(2.0));
  CHECK(s.mean == Approx(1.0 + 0.5 * phi / (1 - cdf)).margin(0.02));
}

TEST_CASE("initialisers are reproducible under manual_seed and leave autograd state alone", "[init]") {
  Tensor a = empty({100}).requires_grad_(true), b = empty({100});
  manual_seed(7);
  init::normal_(a);
  manual_seed(7);
  init::normal_(b);
  CHECK(a.detach().to_vector() == b.to_vector());
  CHECK(a.is_leaf());
  CHECK(a.requires_grad());
  CHECK(!a.grad_fn());
  expect_error<TypeError>([] { init::normal_(zeros({3}, kInt64)); }, "expected a floating-point tensor");
}

TEST_CASE("Linear and Conv2d use PyTorch's default initialisation", "[init]") {
  manual_seed(4);
  Linear fc(400, 300);
  double bound = 1.0 / std::sqrt(400.0);
  Stats w = stats(fc->weight.detach()), b = stats(fc->bias.detach());
  CHECK(w.max <= bound);
  CHECK(w.min >= -bound);
  CHECK(w.max > 0.99 * bound);
  CHECK(w.std == Approx(bound / std::sqrt(3.0)).epsilon(0.03));
  CHECK(b.max <= bound);
  CHECK(b.min >= -bound);

  Conv2d conv(Conv2dOptions(16, 32, 3).groups(4));  // weight (32, 4, 3, 3): fan_in 36
  bound = 1.0 / 6.0;
  CHECK(conv->weight.shape() == Shape{32, 4, 3, 3});
  w = stats(conv->weight.detach());
  b = stats(conv->bias.detach());
  CHECK(w.max <= bound);
  CHECK(w.min >= -bound);
  CHECK(w.max > 0.95 * bound);
  CHECK(b.max <= bound);
  CHECK(b.min >= -bound);

  BatchNorm2d bn(3);
  CHECK(bn->weight.to_vector() == std::vector<double>{1, 1, 1});
  CHECK(bn->bias.to_vector() == std::vector<double>{0, 0, 0});
  CHECK(bn->running_mean.to_vector() == std::vector<double>{0, 0, 0});
  CHECK(bn->running_var.to_vector() == std::vector<double>{1, 1, 1});
  CHECK(bn->num_batches_tracked.item<int64_t>() == 0);
  CHECK(PReLU()->weight.to_vector() == std::vector<double>{0.25});
  CHECK(LayerNorm(LayerNormOptions({2, 2}))->weight.to_vector() == std::vector<double>{1, 1, 1, 1});
  CHECK(GroupNorm(2, 4)->bias.to_vector() == std::vector<double>{0, 0, 0, 0});
}

TEST_CASE("orthogonal_ gives orthonormal rows or columns, times gain", "[init]") {
  auto gram_error = [](const Tensor& w, bool rows, double gain) {
    const int64_t r = w.shape()[0], c = w.numel() / r;
    std::vector<double> a = w.to_vector();
    const int64_t n = rows ? r : c;
    double worst = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0;
        for (int64_t k = 0; k < (rows ? c : r); ++k)
          dot += rows ? a[size_t(i * c + k)] * a[size_t(j * c + k)] : a[size_t(k * c + i)] * a[size_t(k * c + j)];
        worst = std::max(worst, std::abs(dot - (i == j ? gain * gain : 0.0)));
      }
    return worst;
  };
  Tensor wide = empty({3, 7}, kFloat64);
  nn::init::orthogonal_(wide);
  CHECK(gram_error(wide, true, 1.0) < 1e-12);
  Tensor tall = empty({8, 2, 2}, kFloat64);  // seen as 8 x 4
  nn::init::orthogonal_(tall, 2.0);
  CHECK(gram_error(tall, false, 2.0) < 1e-12);
  CHECK_THROWS_WITH(nn::init::orthogonal_(empty({4})), Catch::Matchers::Contains("orthogonal_: only tensors with 2 or more dimensions"));
}
