// gradcheck after torch.autograd.gradcheck: the numerical Jacobian by central
// differences (perturbing each input element in place), the analytical one
// row by row through autograd::grad with one-hot output gradients, checked
// twice for reentrancy, compared with |a - n| <= atol + rtol |n|.
#include "autograd/gradcheck.h"

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/grad_mode.h"
#include "autograd/print.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember::autograd {
namespace {

bool fail(const GradcheckOptions& options, const std::string& message) {
  if (options.raise_exception) throw Error("Gradcheck failed: " + message);
  return false;
}

// Element offsets (into storage) of a tensor in row-major order.
std::vector<int64_t> element_offsets(const Tensor& t) {
  std::vector<int64_t> offs;
  offs.reserve(size_t(t.numel()));
  Shape idx(t.shape().size(), 0);
  for (int64_t k = 0; k < t.numel(); ++k) {
    int64_t off = t.storage_offset();
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.strides()[d];
    offs.push_back(off);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < t.shape()[d]) break;
      idx[d] = 0;
    }
  }
  return offs;
}

tensor_list float_outputs(const tensor_list& outputs) {
  tensor_list out;
  for (const Tensor& o : outputs)
    if (o.defined() && o.is_floating_point()) out.push_back(o);
  return out;
}

std::vector<double> flat(const Tensor& t) { return t.to_vector(); }

std::vector<std::vector<double>> flat_outputs(const tensor_list& outputs) {
  std::vector<std::vector<double>> out;
  for (const Tensor& o : float_outputs(outputs)) out.push_back(flat(o));
  return out;
}

// J[i][j]: (numel(input i), numel(output j)), row-major in a vector.
using Jacobians = std::vector<std::vector<std::vector<double>>>;

Jacobians numerical_jacobian(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff,
                             const tensor_list& outputs, double eps) {
  // Evaluated with grad mode on: gradgradcheck's function itself calls autograd::grad.
  Jacobians J(diff.size(), std::vector<std::vector<double>>(outputs.size()));
  for (size_t a = 0; a < diff.size(); ++a) {
    const Tensor& x = inputs[diff[a]];
    auto offs = element_offsets(x);
    for (size_t j = 0; j < outputs.size(); ++j) J[a][j].assign(offs.size() * size_t(outputs[j].numel()), 0.0);
    double* data = static_cast<double*>(x.storage()->data());
    for (size_t k = 0; k < offs.size(); ++k) {
      double orig = data[offs[k]];
      data[offs[k]] = orig - eps;
      auto minus = flat_outputs(fn(inputs));  // read now: outputs may alias the perturbed input
      data[offs[k]] = orig + eps;
      auto plus = flat_outputs(fn(inputs));
      data[offs[k]] = orig;
      EMBER_CHECK_STATE(plus.size() == outputs.size() && minus.size() == outputs.size(),
                        "gradcheck: the function returned {} floating outputs, then {}", outputs.size(), plus.size());
      for (size_t j = 0; j < outputs.size(); ++j) {
        const auto &p = plus[j], &m = minus[j];
        for (size_t r = 0; r < p.size(); ++r) J[a][j][k * p.size() + r] = (p[r] - m[r]) / (2 * eps);
      }
    }
  }
  return J;
}

Jacobians analytical_jacobian(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff) {
  tensor_list outputs = float_outputs(fn(inputs));
  tensor_list diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);
  Jacobians J(diff.size(), std::vector<std::vector<double>>(outputs.size()));
  for (size_t j = 0; j < outputs.size(); ++j) {
    int64_t m = outputs[j].numel();
    for (size_t a = 0; a < diff.size(); ++a) J[a][j].assign(size_t(inputs[diff[a]].numel() * m), 0.0);
    if (!outputs[j].requires_grad()) continue;  // constant output: zero Jacobian
    for (int64_t r = 0; r < m; ++r) {
      Tensor go = zeros(outputs[j].shape(), outputs[j].dtype());
      static_cast<double*>(go.raw_data())[r] = 1.0;
      tensor_list g = grad({outputs[j]}, diff_inputs, {go}, true, false, true);
      for (size_t a = 0; a < diff.size(); ++a) {
        if (!g[a].defined()) continue;
        EMBER_CHECK_STATE(g[a].shape() == diff_inputs[a].shape(),
                          "Gradcheck failed: backward gave a gradient of shape {} for input {} of shape {}",
                          shape_str(g[a].shape()), diff[a], shape_str(diff_inputs[a].shape()));
        auto v = flat(g[a]);
        for (size_t k = 0; k < v.size(); ++k) J[a][j][k * size_t(m) + size_t(r)] = v[k];
      }
    }
  }
  return J;
}

std::string jacobian_str(const std::vector<double>& J, int64_t rows, int64_t cols) {
  return format_values(tensor(J, {rows, cols}, kFloat64), 0);
}

void validate(const tensor_list& inputs, std::vector<size_t>& diff) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    EMBER_CHECK_TYPE(inputs[i].dtype() == kFloat64,
                     "gradcheck: input {} requires grad but has dtype {}; gradcheck expects double precision "
                     "(float64) inputs, since float32 finite differences are too inexact",
                     i, dtype_name(inputs[i].dtype()));
    diff.push_back(i);
  }
  EMBER_CHECK(!diff.empty(), "gradcheck: expected at least one input tensor with requires_grad=True, got none");
}

bool slow_check(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff,
                const GradcheckOptions& o) {
  tensor_list outputs = float_outputs(fn(inputs));
  Jacobians numerical = numerical_jacobian(fn, inputs, diff, outputs, o.eps);
  Jacobians analytical = analytical_jacobian(fn, inputs, diff);
  Jacobians again = analytical_jacobian(fn, inputs, diff);
  for (size_t a = 0; a < diff.size(); ++a)
    for (size_t j = 0; j < outputs.size(); ++j) {
      const auto &n = numerical[a][j], &an = analytical[a][j], &an2 = again[a][j];
      int64_t rows = inputs[diff[a]].numel(), cols = outputs[j].numel();
      for (size_t k = 0; k < n.size(); ++k)
        if (!(std::fabs(an[k] - n[k]) <= o.atol + o.rtol * std::fabs(n[k])))
          return fail(o, fmt::format("Jacobian mismatch for output {} with respect to input {},\nnumerical:{}\n"
                                     "analytical:{}\n",
                                     j, diff[a], jacobian_str(n, rows, cols), jacobian_str(an, rows, cols)));
      for (size_t k = 0; k < an.size(); ++k)
        if (!(std::fabs(an[k] - an2[k]) <= o.nondet_tol))
          return fail(o, fmt::format("Backward is not reentrant, i.e., running backward with same input and "
                                     "grad_output multiple times gives different values, although analytical "
                                     "gradient matches numerical gradient. The tolerance for nondeterminism was {}. "
                                     "(output {}, input {})",
                                     o.nondet_tol, j, diff[a]));
    }
  return true;
}

// Fast mode: compares v^T J u, with u and v random, for each (input, output) pair.
bool fast_check(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff,
                const GradcheckOptions& o) {
  Generator gen(42);
  tensor_list outputs = float_outputs(fn(inputs));
  tensor_list diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);
  for (size_t a = 0; a < diff.size(); ++a) {
    const Tensor& x = inputs[diff[a]];
    Tensor u = rand(x.shape(), kFloat64, &gen);
    auto offs = element_offsets(x);
    auto uv = flat(u);
    // Numerical J u by perturbing along u.
    std::vector<std::vector<double>> plus, minus;
    {
      double* data = static_cast<double*>(x.storage()->data());
      std::vector<double> orig(offs.size());
      for (size_t k = 0; k < offs.size(); ++k) orig[k] = data[offs[k]];
      for (size_t k = 0; k < offs.size(); ++k) data[offs[k]] = orig[k] - o.eps * uv[k];
      minus = flat_outputs(fn(inputs));
      for (size_t k = 0; k < offs.size(); ++k) data[offs[k]] = orig[k] + o.eps * uv[k];
      plus = flat_outputs(fn(inputs));
      for (size_t k = 0; k < offs.size(); ++k) data[offs[k]] = orig[k];
      EMBER_CHECK_STATE(plus.size() == outputs.size() && minus.size() == outputs.size(),
                        "gradcheck: the function returned {} floating outputs, then {}", outputs.size(), plus.size());
    }
    for (size_t j = 0; j < outputs.size(); ++j) {
      Tensor v = rand(outputs[j].shape(), kFloat64, &gen);
      const auto &p = plus[j], &m = minus[j];
      auto vv = flat(v);
      double numerical = 0;
      for (size_t r = 0; r < p.size(); ++r) numerical += vv[r] * (p[r] - m[r]) / (2 * o.eps);
      double analytical = 0;
      if (outputs[j].requires_grad()) {
        tensor_list g = grad({outputs[j]}, diff_inputs, {v}, true, false, true);
        if (g[a].defined()) {
          auto gv = flat(g[a]);
          for (size_t k = 0; k < gv.size(); ++k) analytical += gv[k] * uv[k];
        }
      }
      if (!(std::fabs(analytical - numerical) <= o.atol + o.rtol * std::fabs(numerical)))
        return fail(o, fmt::format("Jacobian mismatch for output {} with respect to input {} (fast mode: v^T J u "
                                   "with random u, v),\nnumerical:{}\nanalytical:{}\n",
                                   j, diff[a], numerical, analytical));
    }
  }
  return true;
}

}  // namespace

bool gradcheck(const TensorFn& fn, const tensor_list& inputs, const GradcheckOptions& options) {
  std::vector<size_t> diff;
  validate(inputs, diff);
  return options.fast_mode ? fast_check(fn, inputs, diff, options) : slow_check(fn, inputs, diff, options);
}

bool gradgradcheck(const TensorFn& fn, const tensor_list& inputs, const tensor_list& grad_outputs,
                   const GradcheckOptions& options) {
  std::vector<size_t> diff;
  validate(inputs, diff);
  tensor_list outputs = float_outputs(fn(inputs));
  tensor_list gos = grad_outputs;
  if (gos.empty()) {
    Generator gen(0);
    for (const Tensor& o : outputs) gos.push_back(randn(o.shape(), kFloat64, &gen).requires_grad_(true));
  }
  EMBER_CHECK(gos.size() == outputs.size(), "gradgradcheck: got {} grad_outputs for {} floating outputs", gos.size(),
              outputs.size());
  size_t n_inputs = inputs.size();
  TensorFn first_derivative = [fn, n_inputs, diff](const tensor_list& all) {
    tensor_list ins(all.begin(), all.begin() + long(n_inputs));
    tensor_list gos_in(all.begin() + long(n_inputs), all.end());
    tensor_list outs = float_outputs(fn(ins));
    tensor_list diff_inputs, used_outs, used_gos;
    for (size_t i : diff) diff_inputs.push_back(ins[i]);
    for (size_t j = 0; j < outs.size(); ++j)
      if (outs[j].requires_grad()) {
        used_outs.push_back(outs[j]);
        used_gos.push_back(gos_in[j]);
      }
    if (used_outs.empty()) return tensor_list{};
    tensor_list g = grad(used_outs, diff_inputs, used_gos, true, true, true);
    tensor_list defined;
    for (const Tensor& t : g)
      if (t.defined()) defined.push_back(t);
    return defined;
  };
  tensor_list all = inputs;
  all.insert(all.end(), gos.begin(), gos.end());
  return gradcheck(first_derivative, all, options);
}

}  // namespace ember::autograd
