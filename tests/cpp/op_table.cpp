// The entries of the C++ op table (op_table.h). Reference formulas are naive
// double expressions written here, independent of ember's kernels.
#include "op_table.h"

#include <cmath>
#include <cstdint>

#include "autograd/generator.h"
#include "nn/modules/activation.h"
#include "ops/activation.h"
#include "ops/cumulative.h"
#include "ops/elementwise_math.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/norm_vector.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/shape.h"
#include "ops/softmax.h"
#include "ops/sort.h"

namespace ember::test {
namespace {

using ModuleFactory = std::function<std::shared_ptr<nn::Module>()>;

template <class Impl, class... Options>
ModuleFactory layer(Options... options) {
  return [=] { return std::make_shared<Impl>(options...); };
}

// Kinks of the piecewise activations (0, +-1, +-3, 6) are at least 0.2 away.
const std::vector<double> kActivationSamples{-5.1, -3.7, -2.2, -0.9, -0.35, 0.2, 0.7, 1.4, 2.6, 3.3, 4.8, 6.5};

OpInfo unary(std::string name, std::function<Tensor(const Tensor&)> f, std::function<double(double)> reference,
             ModuleFactory module = nullptr) {
  OpInfo op{std::move(name), [f](const tensor_list& in) { return f(in[0]); },
            {{"fixed values", {{{3, 4}, kActivationSamples}}}}, std::move(reference), std::move(module)};
  return op;
}

double softplus_ref(double v, double beta, double threshold) {
  return v * beta > threshold ? v : std::log1p(std::exp(beta * v)) / beta;
}

std::vector<OpInfo> activations() {
  const double sa = 1.6732632423543772, ss = 1.0507009873554805;
  return {
      unary("relu", [](const Tensor& x) { return relu(x); }, [](double v) { return std::max(v, 0.0); },
            layer<nn::ReLUImpl>()),
      unary("relu6", [](const Tensor& x) { return relu6(x); },
            [](double v) { return std::min(std::max(v, 0.0), 6.0); }, layer<nn::ReLU6Impl>()),
      unary("leaky_relu", [](const Tensor& x) { return leaky_relu(x); }, [](double v) { return v > 0 ? v : 0.01 * v; },
            layer<nn::LeakyReLUImpl>()),
      unary("leaky_relu(0.2)", [](const Tensor& x) { return leaky_relu(x, LeakyReLUFuncOptions().negative_slope(0.2)); },
            [](double v) { return v > 0 ? v : 0.2 * v; },
            layer<nn::LeakyReLUImpl>(nn::LeakyReLUOptions().negative_slope(0.2))),
      unary("elu(1.3)", [](const Tensor& x) { return elu(x, ELUFuncOptions().alpha(1.3)); },
            [](double v) { return v > 0 ? v : 1.3 * (std::exp(v) - 1); }, layer<nn::ELUImpl>(nn::ELUOptions().alpha(1.3))),
      unary("selu", [](const Tensor& x) { return selu(x); },
            [=](double v) { return ss * (v > 0 ? v : sa * (std::exp(v) - 1)); }, layer<nn::SELUImpl>()),
      unary("celu(0.7)", [](const Tensor& x) { return celu(x, CELUFuncOptions().alpha(0.7)); },
            [](double v) { return std::max(0.0, v) + std::min(0.0, 0.7 * (std::exp(v / 0.7) - 1)); },
            layer<nn::CELUImpl>(nn::CELUOptions().alpha(0.7))),
      unary("gelu", [](const Tensor& x) { return gelu(x); },
            [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }, layer<nn::GELUImpl>()),
      unary("gelu(tanh)", [](const Tensor& x) { return gelu(x, GELUFuncOptions().approximate("tanh")); },
            [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); },
            layer<nn::GELUImpl>(nn::GELUOptions().approximate("tanh"))),
      unary("silu", [](const Tensor& x) { return silu(x); }, [](double v) { return v / (1 + std::exp(-v)); },
            layer<nn::SiLUImpl>()),
      unary("mish", [](const Tensor& x) { return mish(x); },
            [](double v) { return v * std::tanh(std::log1p(std::exp(v))); }, layer<nn::MishImpl>()),
      unary("sigmoid", [](const Tensor& x) { return sigmoid(x); }, [](double v) { return 1 / (1 + std::exp(-v)); },
            layer<nn::SigmoidImpl>()),
      unary("tanh", [](const Tensor& x) { return tanh(x); }, [](double v) { return std::tanh(v); },
            layer<nn::TanhImpl>()),
      unary("softplus", [](const Tensor& x) { return softplus(x); }, [](double v) { return softplus_ref(v, 1, 20); },
            layer<nn::SoftplusImpl>()),
      unary("softplus(2, 5)", [](const Tensor& x) { return softplus(x, SoftplusFuncOptions().beta(2.0).threshold(5.0)); },
            [](double v) { return softplus_ref(v, 2, 5); },
            layer<nn::SoftplusImpl>(nn::SoftplusOptions().beta(2.0).threshold(5.0))),
      unary("softsign", [](const Tensor& x) { return softsign(x); }, [](double v) { return v / (1 + std::abs(v)); },
            layer<nn::SoftsignImpl>()),
      unary("logsigmoid", [](const Tensor& x) { return logsigmoid(x); },
            [](double v) { return -std::log1p(std::exp(-v)); }, layer<nn::LogSigmoidImpl>()),
      [] {  // x - tanh(x) cancels near 0: float32 keeps an ulp of x (6e-8 |x|), not of the result
        OpInfo op = unary("tanhshrink", [](const Tensor& x) { return tanhshrink(x); },
                          [](double v) { return v - std::tanh(v); }, layer<nn::TanhshrinkImpl>());
        op.reference_atol32 = 1e-7;
        return op;
      }(),
      unary("hardtanh", [](const Tensor& x) { return hardtanh(x); },
            [](double v) { return std::min(std::max(v, -1.0), 1.0); }, layer<nn::HardtanhImpl>()),
      unary("hardtanh(-2, 2.5)",
            [](const Tensor& x) { return hardtanh(x, HardtanhFuncOptions().min_val(-2.0).max_val(2.5)); },
            [](double v) { return std::min(std::max(v, -2.0), 2.5); },
            layer<nn::HardtanhImpl>(nn::HardtanhOptions().min_val(-2.0).max_val(2.5))),
      unary("hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); },
            [](double v) { return std::min(std::max(v + 3, 0.0), 6.0) / 6; }, layer<nn::HardsigmoidImpl>()),
      unary("hardswish", [](const Tensor& x) { return hardswish(x); },
            [](double v) { return v * std::min(std::max(v + 3, 0.0), 6.0) / 6; }, layer<nn::HardswishImpl>()),
  };
}

std::vector<OpInfo> softmax_ops() {
  std::vector<OpInfo> ops;
  for (int64_t dim : {0, 1, -1}) {
    std::string d = "(dim " + std::to_string(dim) + ")";
    ops.push_back({"softmax" + d, [dim](const tensor_list& in) { return softmax(in[0], dim); },
                   {{"3-d", {{{2, 3, 4}}}}}, nullptr, layer<nn::SoftmaxImpl>(dim)});
    ops.push_back({"log_softmax" + d, [dim](const tensor_list& in) { return log_softmax(in[0], dim); },
                   {{"3-d", {{{2, 3, 4}}}}}, nullptr, layer<nn::LogSoftmaxImpl>(dim)});
  }
  return ops;
}

std::vector<OpInfo> weighted_ops() {
  return {
      {"prelu", [](const tensor_list& in) { return prelu(in[0], in[1]); },
       {{"a weight per channel", {{{2, 3, 2}, kActivationSamples}, {{3}, {0.1, -0.5, 2.0}}}},
        {"one shared weight", {{{2, 3, 2}, kActivationSamples}, {{1}, {0.25}}}}}},
      {"linear", [](const tensor_list& in) { return linear(in[0], in[1], in[2]); },
       {{"1-d input", {{{4}}, {{3, 4}}, {{3}}}},
        {"2-d input", {{{2, 4}}, {{3, 4}}, {{3}}}},
        {"3-d input", {{{2, 2, 4}}, {{3, 4}}, {{3}}}}},
       nullptr, nullptr, 1e-5},
      {"linear without bias", [](const tensor_list& in) { return linear(in[0], in[1]); },
       {{"2-d input", {{{2, 4}}, {{3, 4}}}}, {"3-d input", {{{2, 2, 4}}, {{3, 4}}}}},
       nullptr, nullptr, 1e-5},
  };
}

std::vector<OpInfo> pool_ops() {
  using F = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<std::string, F>> ops = {
      {"max_pool2d", [](const Tensor& t) {
         return max_pool2d(t, MaxPool2dFuncOptions({3, 2}).stride({2, 1}).padding({1, 1}).dilation({1, 2}).ceil_mode(true));
       }},
      {"max_pool1d", [](const Tensor& t) { return max_pool1d(flatten(t, 2), MaxPool1dFuncOptions(4).stride(3).padding(2)); }},
      {"avg_pool2d", [](const Tensor& t) {
         return avg_pool2d(t, AvgPool2dFuncOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false));
       }},
      {"avg_pool2d divisor", [](const Tensor& t) {
         return avg_pool2d(t, AvgPool2dFuncOptions({2, 3}).padding({1, 0}).divisor_override(4));
       }},
      {"avg_pool1d", [](const Tensor& t) { return avg_pool1d(flatten(t, 2), AvgPool1dFuncOptions(3).stride(2).padding(1)); }},
      {"adaptive_avg_pool2d", [](const Tensor& t) { return adaptive_avg_pool2d(t, Pair(3, 4)); }},
      {"adaptive_max_pool2d", [](const Tensor& t) { return adaptive_max_pool2d(t, Pair(4, 3)); }},
      {"lp_pool2d", [](const Tensor& t) { return lp_pool2d(t, LPPool2dFuncOptions(2.0, 2).stride(2).ceil_mode(true)); }},
  };
  std::vector<OpInfo> out;
  for (const auto& [name, f] : ops)
    out.push_back({name, [f = f](const tensor_list& in) { return f(in[0]); },
                   {{"(2, 2, 7, 6)", {{{2, 2, 7, 6}}}}, {"(2, 3, 5, 6)", {{{2, 3, 5, 6}}}}}});
  return out;
}

std::vector<OpInfo> pad_ops() {
  struct Case {
    Shape shape;
    std::vector<int64_t> pad;
    PadMode mode;
  };
  const std::vector<Case> cases{
      {{2, 3}, {1, 2}, PadMode::Constant},          {{2, 3, 3}, {-1, 2, 1, -1}, PadMode::Constant},
      {{2, 4}, {2, 1}, PadMode::Reflect},           {{1, 2, 3, 3}, {2, 1, -1, 2}, PadMode::Reflect},
      {{1, 1, 2, 2, 3}, {1, 2, 1, 0, 1, 1}, PadMode::Reflect},
      {{2, 3}, {3, 2}, PadMode::Replicate},         {{2, 3, 3}, {1, 2, 2, -1}, PadMode::Replicate},
      {{1, 1, 2, 2, 2}, {1, 0, 2, 1, 0, 1}, PadMode::Replicate}};
  const char* mode_names[] = {"constant", "reflect", "replicate"};
  std::vector<OpInfo> out;
  for (const Case& c : cases) {
    std::string name = fmt::format("pad {} {}", mode_names[int(c.mode)], shape_str(c.pad));
    out.push_back({name, [c](const tensor_list& in) { return pad(in[0], PadFuncOptions(c.pad).mode(c.mode)); },
                   {{shape_str(c.shape), {{c.shape}}}}});
  }
  return out;
}

// Values in (0.05, 1.4): inside every domain of the math below (log, tan).
const std::vector<double> kPositiveSamples{0.05, 0.12, 0.2, 0.31, 0.45, 0.58, 0.7, 0.83, 0.96, 1.1, 1.25, 1.4};

OpInfo positive_unary(std::string name, std::function<Tensor(const Tensor&)> f, std::function<double(double)> ref) {
  return {std::move(name), [f](const tensor_list& in) { return f(in[0]); },
          {{"positive values", {{{3, 4}, kPositiveSamples}}}}, std::move(ref)};
}

// Issue 13's tensor methods and torch functions (ops/elementwise_math.h,
// cumulative.h, sort.h, norm_vector.h, linalg.h, shape.h, index.h).
std::vector<OpInfo> method_ops() {
  std::vector<OpInfo> ops = {
      positive_unary("log1p", [](const Tensor& x) { return log1p(x); }, [](double v) { return std::log1p(v); }),
      positive_unary("expm1", [](const Tensor& x) { return expm1(x); }, [](double v) { return std::expm1(v); }),
      positive_unary("log2", [](const Tensor& x) { return log2(x); }, [](double v) { return std::log2(v); }),
      positive_unary("log10", [](const Tensor& x) { return log10(x); }, [](double v) { return std::log10(v); }),
      positive_unary("tan", [](const Tensor& x) { return tan(x); }, [](double v) { return std::tan(v); }),
      positive_unary("square", [](const Tensor& x) { return square(x); }, [](double v) { return v * v; }),
  };
  using F = std::function<Tensor(const tensor_list&)>;
  const std::vector<std::tuple<std::string, F, std::vector<Arg>>> composite = {
      {"cumsum", [](const tensor_list& in) { return cumsum(in[0], 1); }, {{{3, 4}}}},
      {"cumprod", [](const tensor_list& in) { return cumprod(in[0], 0); }, {{{3, 4}}}},
      {"cumprod with zeros", [](const tensor_list& in) { return cumprod(in[0], 1); },
       {{{2, 4}, {1.5, 0.0, -2.0, 0.0, 0.0, 0.7, 1.2, -0.4}}}},
      {"sort values", [](const tensor_list& in) { return std::get<0>(sort(in[0], 1, true)); }, {{{3, 4}}}},
      {"topk values", [](const tensor_list& in) { return std::get<0>(topk(in[0], 2, 0, false)); }, {{{3, 4}}}},
      {"tril", [](const tensor_list& in) { return tril(in[0], -1); }, {{{2, 3, 4}}}},
      {"triu", [](const tensor_list& in) { return in[0].triu(1); }, {{{4, 3}}}},
      {"outer", [](const tensor_list& in) { return outer(in[0], in[1]); }, {{{3}}, {{4}}}},
      {"addmm", [](const tensor_list& in) { return addmm(in[0], in[1], in[2], 0.5, 2.0); }, {{{4}}, {{3, 2}}, {{2, 4}}}},
      {"baddbmm", [](const tensor_list& in) { return baddbmm(in[0], in[1], in[2]); },
       {{{2, 3, 4}}, {{2, 3, 2}}, {{2, 2, 4}}}},
      {"einsum bij,bjk->bik", [](const tensor_list& in) { return einsum("bij,bjk->bik", {in[0], in[1]}); },
       {{{2, 3, 2}}, {{2, 2, 4}}}},
      {"einsum ...i,i", [](const tensor_list& in) { return einsum("...i,i", {in[0], in[1]}); }, {{{2, 3, 4}}, {{4}}}},
      {"vector_norm 2", [](const tensor_list& in) { return linalg::vector_norm(in[0], 2, {1}); }, {{{3, 4}}}},
      {"vector_norm 3 keepdim", [](const tensor_list& in) { return linalg::vector_norm(in[0], 3, {0, 2}, true); },
       {{{2, 3, 4}}}},
      {"x.norm()", [](const tensor_list& in) { return in[0].norm(); }, {{{3, 4}}}},
      {"matrix_norm fro", [](const tensor_list& in) { return linalg::matrix_norm(in[0]); }, {{{2, 3, 4}}}},
      {"matrix_norm 1", [](const tensor_list& in) { return linalg::matrix_norm(in[0], 1.0); }, {{{3, 4}}}},
      {"cdist", [](const tensor_list& in) { return cdist(in[0], in[1]); }, {{{3, 4}}, {{2, 4}}}},
      {"scatter", [](const tensor_list& in) { return scatter(in[0], 1, tensor({0, 2, 3, 1}, {2, 2}, kInt64), in[1]); },
       {{{2, 4}}, {{2, 2}}}},
      {"masked_scatter", [](const tensor_list& in) {
         return masked_scatter(in[0], tensor({1, 0, 1, 1, 0, 1}, {2, 3}, kBool), in[1]);
       }, {{{2, 3}}, {{5}}}},
      {"tile", [](const tensor_list& in) { return in[0].tile({2, 1, 2}); }, {{{2, 3}}}},
      {"mT", [](const tensor_list& in) { return in[0].mT() * 1.0; }, {{{2, 3, 4}}}},
      {"meshgrid xy", [](const tensor_list& in) { tensor_list g = meshgrid({in[0], in[1]}, "xy");
         return g[0] * 1.0 + g[1]; }, {{{3}}, {{2}}}},
  };
  for (const auto& [name, f, args] : composite) ops.push_back({name, f, {{"sample", args}}, nullptr, nullptr, 1e-5});
  return ops;
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

}  // namespace

const std::vector<OpInfo>& op_db() {
  static const std::vector<OpInfo> db = [] {
    std::vector<OpInfo> all;
    for (auto family : {activations(), softmax_ops(), weighted_ops(), pool_ops(), pad_ops(), method_ops()})
      for (OpInfo& op : family) all.push_back(std::move(op));
    return all;
  }();
  return db;
}

tensor_list make_inputs(const OpInfo& op, const SampleInput& sample, Dtype dtype, bool noncontiguous) {
  Generator gen(fnv1a(op.name + "/" + sample.description));
  tensor_list out;
  for (const Arg& a : sample.args) {
    std::vector<double> v = a.values.empty() ? randn(a.shape, kFloat64, &gen).to_vector() : a.values;
    Tensor t;
    if (noncontiguous && !a.shape.empty()) {
      // Every other element of a NaN-filled buffer, so reading past the view shows.
      Shape wide = a.shape;
      wide.back() *= 2;
      std::vector<double> buffer(size_t(numel_of(wide)), std::nan(""));
      for (size_t i = 0; i < v.size(); ++i) buffer[2 * i] = v[i];
      Strides strides = contiguous_strides(wide);
      strides.back() = 2;
      t = make_view(tensor(buffer, wide, dtype), a.shape, strides, 0);
    } else {
      t = tensor(v, a.shape, dtype);
    }
    out.push_back(a.grad ? t.requires_grad_() : t);
  }
  return out;
}

}  // namespace ember::test
