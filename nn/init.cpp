// nn::init: every initialiser draws its values from the default generator
// into a buffer and copies them into the tensor in one in-place copy_.
#include "nn/init.h"

#include <cmath>
#include <functional>
#include <mutex>
#include <vector>

#include "autograd/error.h"
#include "autograd/generator.h"
#include "autograd/grad_mode.h"
#include "ops/factory.h"

namespace ember::nn::init {
namespace {

// Fills `tensor` with draw() for every element, in place, under NoGradGuard.
Tensor fill_with(Tensor tensor, const char* op, const std::function<double(Generator&)>& draw) {
  EMBER_CHECK(tensor.defined(), "{}: tensor is undefined", op);
  EMBER_CHECK_TYPE(tensor.is_floating_point(), "{}: expected a floating-point tensor, got {}", op,
                   dtype_name(tensor.dtype()));
  std::vector<double> values(size_t(tensor.numel()));
  {
    Generator& gen = default_generator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    for (double& v : values) v = draw(gen);
  }
  NoGradGuard no_grad;
  tensor.copy_(ember::tensor(values, tensor.shape(), tensor.dtype()));
  return tensor;
}

int64_t fan(const Tensor& tensor, const std::string& mode, const char* op) {
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", "{}: mode must be 'fan_in' or 'fan_out', got '{}'", op, mode);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return mode == "fan_in" ? fan_in : fan_out;
}

// Inverse error function: Giles' approximation, then two Newton steps on erf.
double erfinv(double y) {
  if (y <= -1.0) return -HUGE_VAL;
  if (y >= 1.0) return HUGE_VAL;
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    double p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                     0.246640727, 1.50140941})
      p = c + p * w;
    x = p * y;
  } else {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      p = c + p * w;
    x = p * y;
  }
  const double two_over_sqrt_pi = 1.1283791670955126;
  for (int i = 0; i < 2; ++i) x -= (std::erf(x) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

}  // namespace

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" ||
      nonlinearity == "conv3d" || nonlinearity == "conv_transpose1d" || nonlinearity == "conv_transpose2d" ||
      nonlinearity == "conv_transpose3d" || nonlinearity == "sigmoid")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw ValueError(fmt::format("calculate_gain: unsupported nonlinearity '{}'", nonlinearity));
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  EMBER_CHECK(tensor.dim() >= 2,
              "calculate_fan_in_and_fan_out: fan in and fan out can not be computed for a tensor with fewer than "
              "2 dimensions, got shape {}",
              shape_str(tensor.shape()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive *= tensor.size(d);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

Tensor uniform_(Tensor tensor, double a, double b) {
  EMBER_CHECK(a <= b, "uniform_: expected a <= b, got a={} b={}", a, b);
  return fill_with(tensor, "uniform_", [&](Generator& g) { return a + (b - a) * g.uniform(); });
}

Tensor normal_(Tensor tensor, double mean, double std) {
  EMBER_CHECK(std >= 0, "normal_: expected std >= 0, got {}", std);
  return fill_with(tensor, "normal_", [&](Generator& g) { return mean + std * g.normal(); });
}

Tensor constant_(Tensor tensor, double value) {
  return fill_with(tensor, "constant_", [&](Generator&) { return value; });
}

Tensor zeros_(Tensor tensor) { return constant_(tensor, 0.0); }
Tensor ones_(Tensor tensor) { return constant_(tensor, 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  double bound = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return uniform_(tensor, -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return normal_(tensor, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  int64_t f = fan(tensor, mode, "kaiming_uniform_");
  if (tensor.numel() == 0) return tensor;  // nothing to draw (PyTorch warns and returns)
  double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / double(f));
  return uniform_(tensor, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  int64_t f = fan(tensor, mode, "kaiming_normal_");
  if (tensor.numel() == 0) return tensor;  // nothing to draw (PyTorch warns and returns)
  return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(double(f)));
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  EMBER_CHECK(std > 0 && a < b, "trunc_normal_: expected std > 0 and a < b, got std={} a={} b={}", std, a, b);
  // Uniform between the CDF values of a and b, mapped back through the inverse CDF.
  auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  double l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  return fill_with(tensor, "trunc_normal_", [&](Generator& g) {
    double p = 2 * l - 1 + (2 * u - 2 * l) * g.uniform();
    double x = mean + std * std::sqrt(2.0) * erfinv(p);
    return std::min(std::max(x, a), b);
  });
}

// Modified Gram-Schmidt on the columns of the taller orientation: the same Q
// as Householder QR with R's diagonal made positive (PyTorch's sign fix).
Tensor orthogonal_(Tensor tensor, double gain) {
  EMBER_CHECK(tensor.defined(), "orthogonal_: tensor is undefined");
  EMBER_CHECK(tensor.dim() >= 2, "orthogonal_: only tensors with 2 or more dimensions are supported, got {}",
              shape_str(tensor.shape()));
  if (tensor.numel() == 0) return tensor;
  const int64_t rows = tensor.shape()[0], cols = tensor.numel() / rows;
  const int64_t m = std::max(rows, cols), n = std::min(rows, cols);
  std::vector<double> a;  // n columns of length m, column-major
  fill_with(tensor, "orthogonal_", [&](Generator& g) {
    a.push_back(g.normal());
    return 0.0;
  });
  for (int64_t j = 0; j < n; ++j) {
    double* q = a.data() + j * m;
    for (int64_t k = 0; k < j; ++k) {
      const double* p = a.data() + k * m;
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += p[i] * q[i];
      for (int64_t i = 0; i < m; ++i) q[i] -= dot * p[i];
    }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += q[i] * q[i];
    norm = std::sqrt(norm);
    EMBER_CHECK(norm > 0, "orthogonal_: the random matrix was rank-deficient; call again");
    for (int64_t i = 0; i < m; ++i) q[i] /= norm;
  }
  // Column j of Q is row j of the tensor when rows < cols, else column j.
  std::vector<double> values(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      values[size_t(r * cols + c)] = gain * (rows < cols ? a[size_t(r * m + c)] : a[size_t(c * m + r)]);
  NoGradGuard no_grad;
  tensor.copy_(ember::tensor(values, tensor.shape(), tensor.dtype()));
  return tensor;
}

}  // namespace ember::nn::init
