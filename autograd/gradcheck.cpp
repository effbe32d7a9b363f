// gradcheck after torch.autograd.gradcheck: per output, numerical Jacobians by
// central differences (each input element perturbed in place) against
// analytical ones from one-hot vjps, taken twice (reentrancy); fast mode
// compares v^T J u. Then PyTorch's checks of backward itself. Matrices are
// (numel(input), numel(output)), row-major, as PyTorch's.
#include "autograd/gradcheck.h"

#include <cmath>
#include <limits>
#include <optional>

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/print.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"

namespace ember::autograd {
namespace {

// Seeds of the random vectors (fast mode), batches and grad_outputs: fixed, so
// a check gives the same verdict on every run, and the global RNG is untouched.
constexpr uint64_t kVectorSeed = 67280421310721ULL;
constexpr uint64_t kGradOutputSeed = 0;

constexpr const char* kNondetNote =
    "\n\nIf the op is nondeterministic by design, call gradcheck/gradgradcheck with nondet_tol=<tol>.";
constexpr const char* kBatchedNote =
    "gradcheck or gradgradcheck failed while testing batched gradient computation: the gradients of a batch "
    "of grad_outputs, taken slice by slice of the stacked batch from one graph, differ from those taken one "
    "grad_output at a time. Call gradcheck/gradgradcheck with check_batched_grad=False to skip this check.";
constexpr const char* kUndefinedNote =
    "Please look at \"Notes about undefined output gradients\" in \"tools/autograd/derivatives.yaml\" "
    "(PyTorch's rules, which ember follows: an undefined output gradient means zero)";
constexpr const char* kFastFailSlowOk =
    "Fast gradcheck failed but element-wise differences are small. This means that the test might've passed "
    "in slow_mode!\n\nCall gradcheck/gradgradcheck with fast_mode=False to run the slow mode.";

[[noreturn]] void fail(const std::string& message) { throw GradcheckError(message); }

// Python's str(float): "0.0", "1e-06".
std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), v(size_t(r * c), 0.0) {}
  double& at(int64_t r, int64_t c) { return v[size_t(r * cols + c)]; }
};

Tensor to_tensor(const Matrix& m, Dtype dtype) { return tensor(m.v, {m.rows, m.cols}, dtype); }
std::string matrix_str(const Matrix& m, Dtype dtype) { return repr(to_tensor(m, dtype)); }

// torch.allclose for one pair: equal (also equal infinities), or finite and |a - n| <= atol + rtol |n|.
bool close(double a, double n, double rtol, double atol) {
  if (a == n) return true;
  if (!std::isfinite(a) || !std::isfinite(n)) return false;
  return std::fabs(a - n) <= atol + rtol * std::fabs(n);
}

bool allclose(const std::vector<double>& a, const std::vector<double>& n, double rtol, double atol) {
  for (size_t k = 0; k < a.size(); ++k)
    if (!close(a[k], n[k], rtol, atol)) return false;
  return true;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t k = 0; k < a.size(); ++k) m = std::fmax(m, std::fabs(a[k] - b[k]));
  return m;
}

double total(const std::vector<double>& a) {
  double s = 0;
  for (double x : a) s += x;
  return s;
}

bool is_float(const Tensor& t) { return t.defined() && t.is_floating_point(); }

tensor_list float_outputs(const tensor_list& outputs) {
  tensor_list out;
  for (const Tensor& o : outputs)
    if (is_float(o)) out.push_back(o);
  return out;
}

// PyTorch's _differentiable_outputs: the outputs that require grad.
tensor_list differentiable_outputs(const tensor_list& outputs) {
  tensor_list out;
  for (const Tensor& o : outputs)
    if (o.defined() && o.requires_grad()) out.push_back(o);
  return out;
}

tensor_list pick(const tensor_list& inputs, const std::vector<size_t>& which) {
  tensor_list out;
  for (size_t i : which) out.push_back(inputs[i]);
  return out;
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

// Element k of a tensor of `shape` as a Python index tuple: "(1, 0)", "(2,)".
std::string index_str(const Shape& shape, int64_t k) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = k % shape[d];
    k /= shape[d];
  }
  if (idx.size() == 1) return fmt::format("({},)", idx[0]);
  return fmt::format("({})", fmt::join(idx, ", "));
}

// Reads and writes one storage element of a floating tensor, bypassing autograd
// and the version counter (PyTorch perturbs `input.data`).
double read(const Tensor& x, int64_t off) {
  return dispatch_floating(x.dtype(), "gradcheck", [&](auto tag) {
    using T = decltype(tag);
    return double(static_cast<const T*>(x.storage()->data())[off]);
  });
}

void write(const Tensor& x, int64_t off, double value) {
  dispatch_floating(x.dtype(), "gradcheck", [&](auto tag) {
    using T = decltype(tag);
    static_cast<T*>(x.storage()->data())[off] = T(value);
  });
}

// (fn(x + d) - fn(x - d)) / (2 norm) for every floating output, where move(s)
// sets the perturbed input to x + s d in place (s = -1, +1, then 0 to restore).
std::vector<std::vector<double>> central_difference(const TensorFn& fn, const tensor_list& inputs,
                                                    const std::function<void(int)>& move, double norm,
                                                    double eps, const std::string& on_index) {
  auto evaluate = [&](int s) {
    move(s);
    tensor_list outs = float_outputs(fn(inputs));
    std::vector<std::pair<Tensor, std::vector<double>>> values;  // read now: outputs may alias the input
    for (const Tensor& o : outs) values.emplace_back(o, o.to_vector());
    return values;
  };
  auto minus = evaluate(-1);
  auto plus = evaluate(+1);
  move(0);
  EMBER_CHECK_STATE(minus.size() == plus.size(), "gradcheck: the function returned {} floating outputs, then {}",
                    minus.size(), plus.size());
  std::vector<std::vector<double>> out;
  for (size_t j = 0; j < plus.size(); ++j) {
    const Tensor &a = minus[j].first, &b = plus[j].first;
    EMBER_CHECK_AS(GradcheckAssertion, a.shape() == b.shape(),
                   "Expected `func` to return outputs with the same shape when inputs are perturbed {}by {}, "
                   "but got: shapes {} and {}.",
                   on_index, py_float(eps), shape_str(a.shape()), shape_str(b.shape()));
    EMBER_CHECK_AS(GradcheckAssertion, a.dtype() == b.dtype(),
                   "Expected `func` to return outputs with the same dtype when inputs are perturbed {}by {}, "
                   "but got: dtypes {} and {}.",
                   on_index, py_float(eps), dtype_name(a.dtype()), dtype_name(b.dtype()));
    std::vector<double> d(plus[j].second.size());
    for (size_t r = 0; r < d.size(); ++r) d[r] = (plus[j].second[r] - minus[j].second[r]) / (2 * norm);
    out.push_back(std::move(d));
  }
  return out;
}

// The numerical Jacobians of every floating output (`float_outs`, for the
// sizes) with respect to input `x`, perturbing one element at a time.
std::vector<Matrix> numerical_jacobian(const TensorFn& fn, const tensor_list& inputs, const Tensor& x,
                                       const tensor_list& float_outs, double eps) {
  std::vector<Matrix> J;
  for (const Tensor& o : float_outs) J.emplace_back(x.numel(), o.numel());
  auto offs = element_offsets(x);
  for (size_t k = 0; k < offs.size(); ++k) {
    double orig = read(x, offs[k]);
    auto cols = central_difference(
        fn, inputs, [&](int s) { write(x, offs[k], s == 0 ? orig : orig + s * eps); }, eps, eps,
        "on index " + index_str(x.shape(), int64_t(k)) + " ");
    EMBER_CHECK_STATE(cols.size() == J.size(), "gradcheck: the function returned {} floating outputs, then {}",
                      J.size(), cols.size());
    for (size_t j = 0; j < J.size(); ++j)
      for (int64_t c = 0; c < J[j].cols; ++c) J[j].at(int64_t(k), c) = cols[j][size_t(c)];
  }
  return J;
}

// The Jacobians of `output` with respect to each input (one column per output
// element, or one column v^T J when `v` is given), computed twice, with what
// PyTorch's _check_analytical_jacobian_attributes judges: whether both passes
// agree within nondet_tol and whether the gradients had their inputs' sizes and dtypes.
struct AnalyticalJacobians {
  std::vector<Matrix> jacobians;
  bool reentrant = true, sizes_ok = true, types_ok = true;
};

AnalyticalJacobians compute_analytical_jacobians(const Tensor& output, const tensor_list& diff_inputs,
                                                 double nondet_tol, const std::vector<double>* v = nullptr) {
  AnalyticalJacobians result;
  auto vjp = [&](const Tensor& grad_output) {
    return grad({output}, diff_inputs, {grad_output}, true, false, true);
  };
  auto put = [&](std::vector<Matrix>& J, const tensor_list& g, int64_t col) {
    for (size_t i = 0; i < g.size(); ++i) {
      if (!g[i].defined()) continue;  // no gradient flows: a zero column
      if (g[i].shape() != diff_inputs[i].shape()) {
        result.sizes_ok = false;
        if (g[i].numel() != diff_inputs[i].numel()) continue;
      } else if (g[i].dtype() != diff_inputs[i].dtype()) {
        result.types_ok = false;
      }
      auto values = g[i].to_vector();
      for (int64_t r = 0; r < J[i].rows; ++r) J[i].at(r, col) = values[size_t(r)];
    }
  };
  auto jacobian = [&] {
    std::vector<Matrix> J;
    for (const Tensor& x : diff_inputs) J.emplace_back(x.numel(), v ? 1 : output.numel());
    if (v) {
      put(J, vjp(tensor(*v, output.shape(), output.dtype())), 0);
      return J;
    }
    for (int64_t r = 0; r < output.numel(); ++r) {
      Tensor one_hot = zeros(output.shape(), output.dtype());
      write(one_hot, r, 1.0);
      put(J, vjp(one_hot), r);
    }
    return J;
  };
  result.jacobians = jacobian();
  std::vector<Matrix> second = jacobian();
  for (size_t i = 0; i < second.size(); ++i)
    if (max_abs_diff(result.jacobians[i].v, second[i].v) > nondet_tol) result.reentrant = false;
  return result;
}

// The analytical Jacobians, failing the check where the passes or the gradients are wrong.
std::vector<Matrix> analytical_jacobian(const Tensor& output, const tensor_list& diff_inputs, double nondet_tol,
                                        bool check_grad_dtypes, const std::vector<double>* v = nullptr) {
  AnalyticalJacobians a = compute_analytical_jacobians(output, diff_inputs, nondet_tol, v);
  if (!a.types_ok && check_grad_dtypes) fail("Gradient has dtype mismatch");
  if (!a.sizes_ok) fail("Analytical gradient has incorrect size");
  if (!a.reentrant)
    fail("Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives "
         "different values, although analytical gradient matches numerical gradient.The tolerance for "
         "nondeterminism was " +
         py_float(nondet_tol) + "." + kNondetNote);
  return std::move(a.jacobians);
}

std::string mismatch_message(size_t output_idx, size_t input_idx, const std::string& numerical,
                             const std::string& analytical) {
  return fmt::format("Jacobian mismatch for output {} with respect to input {},\nnumerical:{}\nanalytical:{}\n",
                     output_idx, input_idx, numerical, analytical);
}

// Positions, among the floating outputs, of those that require grad.
std::vector<size_t> differentiable_positions(const tensor_list& float_outs) {
  std::vector<size_t> pos;
  for (size_t j = 0; j < float_outs.size(); ++j)
    if (float_outs[j].requires_grad()) pos.push_back(j);
  return pos;
}

void slow_gradcheck(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff,
                    const tensor_list& func_out, const GradcheckOptions& o) {
  tensor_list float_outs = float_outputs(func_out);
  tensor_list diff_inputs = pick(inputs, diff);
  std::vector<std::vector<Matrix>> numerical;  // [input][floating output]
  for (const Tensor& x : diff_inputs) numerical.push_back(numerical_jacobian(fn, inputs, x, float_outs, o.eps));
  std::vector<size_t> pos = differentiable_positions(float_outs);
  if (pos.empty()) {
    // No output requires grad: the function must be constant.
    for (const auto& per_output : numerical)
      for (const Matrix& J : per_output)
        for (double x : J.v)
          if (x != 0) fail("Numerical gradient for function expected to be zero");
    return;
  }
  for (size_t j = 0; j < pos.size(); ++j) {
    const Tensor& output = float_outs[pos[j]];
    std::vector<Matrix> analytical = analytical_jacobian(output, diff_inputs, o.nondet_tol, o.check_grad_dtypes);
    for (size_t i = 0; i < diff_inputs.size(); ++i) {
      const Matrix& n = numerical[i][pos[j]];
      if (!allclose(analytical[i].v, n.v, o.rtol, o.atol))
        fail(mismatch_message(j, i, matrix_str(n, output.dtype()), matrix_str(analytical[i], diff_inputs[i].dtype())));
    }
  }
}

// A random vector of n elements with unit norm (PyTorch's _vec_from_tensor).
std::vector<double> unit_vector(int64_t n, Generator& gen) {
  std::vector<double> v = rand({n}, kFloat64, &gen).to_vector();
  double norm = std::sqrt(dot(v, v));
  if (norm > 0)
    for (double& x : v) x /= norm;
  return v;
}

// Fast mode's failure message recomputes both Jacobians of the pair in slow mode.
std::string slow_mode_report(const TensorFn& fn, const tensor_list& inputs, const tensor_list& diff_inputs,
                             size_t input_idx, const Tensor& output, size_t float_pos, const tensor_list& float_outs,
                             const GradcheckOptions& o) {
  Matrix n = numerical_jacobian(fn, inputs, diff_inputs[input_idx], float_outs, o.eps)[float_pos];
  Matrix a = analytical_jacobian(output, diff_inputs, std::numeric_limits<double>::infinity(), false)[input_idx];
  std::string msg = fmt::format(
      "\nThe above quantities relating the numerical and analytical jacobians are computed \nin fast mode. See: "
      "https://github.com/pytorch/pytorch/issues/53876 for more background \nabout fast mode. Below, we recompute "
      "numerical and analytical jacobians in slow mode:\n\nNumerical:\n {}\nAnalytical:\n{}\n\nThe max "
      "per-element difference (slow mode) is: {}.\n",
      matrix_str(n, output.dtype()), matrix_str(a, diff_inputs[input_idx].dtype()), py_float(max_abs_diff(n.v, a.v)));
  if (allclose(a.v, n.v, o.rtol, o.atol)) msg += kFastFailSlowOk;
  return msg;
}

// Fast mode (PyTorch's _fast_gradcheck): for random unit u (per input) and v
// (per output), v^T (J u) by finite differences along u against (v^T J) u by backward.
void fast_gradcheck(const TensorFn& fn, const tensor_list& inputs, const std::vector<size_t>& diff,
                    const tensor_list& func_out, const GradcheckOptions& o) {
  tensor_list float_outs = float_outputs(func_out);
  tensor_list diff_inputs = pick(inputs, diff);
  std::vector<size_t> pos = differentiable_positions(float_outs);
  Generator gen(kVectorSeed);
  std::vector<std::vector<double>> all_u, all_v;
  for (const Tensor& x : diff_inputs) all_u.push_back(unit_vector(x.numel(), gen));
  for (size_t p : pos) all_v.push_back(unit_vector(float_outs[p].numel(), gen));

  std::vector<std::vector<double>> numerical(diff_inputs.size());  // [input][differentiable output]
  for (size_t i = 0; i < diff_inputs.size(); ++i) {
    const Tensor& x = diff_inputs[i];
    auto offs = element_offsets(x);
    std::vector<double> orig(offs.size());
    for (size_t k = 0; k < offs.size(); ++k) orig[k] = read(x, offs[k]);
    auto move = [&](int s) {
      for (size_t k = 0; k < offs.size(); ++k) write(x, offs[k], s == 0 ? orig[k] : orig[k] + s * o.eps * all_u[i][k]);
    };
    auto jvps = central_difference(fn, inputs, move, o.eps, o.eps, "");
    EMBER_CHECK_STATE(jvps.size() == float_outs.size(), "gradcheck: the function returned {} floating outputs, then {}",
                      float_outs.size(), jvps.size());
    if (pos.empty()) {
      for (const auto& jvp : jvps)
        for (double d : jvp)
          if (std::fabs(d) > o.nondet_tol) fail("Numerical gradient for function expected to be zero");
      continue;
    }
    for (size_t j = 0; j < pos.size(); ++j) numerical[i].push_back(dot(all_v[j], jvps[pos[j]]));
  }
  if (pos.empty()) return;

  std::vector<std::vector<double>> analytical(pos.size());  // [differentiable output][input]
  for (size_t j = 0; j < pos.size(); ++j) {
    auto vJ = analytical_jacobian(float_outs[pos[j]], diff_inputs, o.nondet_tol, o.check_grad_dtypes, &all_v[j]);
    for (size_t i = 0; i < diff_inputs.size(); ++i) analytical[j].push_back(dot(vJ[i].v, all_u[i]));
  }
  for (size_t i = 0; i < diff_inputs.size(); ++i)
    for (size_t j = 0; j < pos.size(); ++j) {
      double a = analytical[j][i], n = numerical[i][j];
      // |a - n| may grow to atol times v^T (all ones) u = sum(u) sum(v).
      double atol = o.atol * total(all_u[i]) * total(all_v[j]);
      if (close(a, n, o.rtol, atol)) continue;
      const Tensor& output = float_outs[pos[j]];
      fail(mismatch_message(j, i, py_float(n), py_float(a)) +
           slow_mode_report(fn, inputs, diff_inputs, i, output, pos[j], float_outs, o));
    }
}

tensor_list vjp_or_zeros(const Tensor& output, const tensor_list& diff_inputs, const Tensor& grad_output) {
  tensor_list g = grad({output}, diff_inputs, {grad_output}, true, false, true);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = zeros_like(diff_inputs[i]);
  return g;
}

// PyTorch's _test_batched_grad, with a loop where PyTorch uses vmap: the vjps
// of two random grad_outputs taken from one stacked batch (slices of it, as
// vmap would hand them over) must match the vjps taken one at a time.
void test_batched_grad(const tensor_list& diff_inputs, const Tensor& output, size_t output_idx) {
  Generator gen(kGradOutputSeed);
  tensor_list grad_outputs, batch_slices;
  {
    NoGradGuard no_grad;
    for (int b = 0; b < 2; ++b) grad_outputs.push_back(randn(output.shape(), output.dtype(), &gen));
    Tensor batch = stack(grad_outputs);
    for (int64_t b = 0; b < 2; ++b) batch_slices.push_back(select(batch, 0, b));
  }
  std::vector<tensor_list> expected, result;
  for (const Tensor& g : grad_outputs) expected.push_back(vjp_or_zeros(output, diff_inputs, g));
  try {
    for (const Tensor& g : batch_slices) result.push_back(vjp_or_zeros(output, diff_inputs, g));
  } catch (const Error& e) {
    fail(fmt::format("While computing batched gradients, got: {}\n\n{}", e.what(), kBatchedNote));
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < diff_inputs.size(); ++i) {
    Tensor res = stack({result[0][i], result[1][i]}), exp = stack({expected[0][i], expected[1][i]});
    if (allclose(res.to_vector(), exp.to_vector(), 1e-5, 1e-8)) continue;
    fail(fmt::format("For output {} and input {}:\n\n{}\n\nGot:\n{}\n\nExpected:\n{}", output_idx, i, kBatchedNote,
                     repr(res), repr(exp)));
  }
}

// PyTorch's _test_backward_mul_by_grad_output: zero grad_outputs give zero gradients.
void test_backward_mul_by_grad_output(const tensor_list& outputs, const tensor_list& diff_inputs, bool masked) {
  if (outputs.empty()) return;
  tensor_list zero_grads;
  for (const Tensor& out : outputs) zero_grads.push_back(zeros(out.shape(), out.dtype()));
  tensor_list grads = grad(outputs, diff_inputs, zero_grads, std::nullopt, false, true);
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined()) continue;
    for (double x : g.to_vector())
      if (masked ? !(std::fabs(x) <= 1e-8) : x != 0) fail("backward not multiplied by grad_output");
    if (g.dtype() != diff_inputs[i].dtype()) fail("grad is incorrect type");
    if (g.shape() != diff_inputs[i].shape()) fail("grad is incorrect size");
  }
}

// PyTorch's UndefinedGrad: the identity, whose backward passes on an undefined gradient.
Tensor undefined_grad(const Tensor& x) {
  Tensor out = x.detach();
  record("UndefinedGradBackward", {x}, out, [](const tensor_list&) { return tensor_list{Tensor()}; }, Saves::None);
  return out;
}

void warn_bc_breaking() {
  warn("Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it "
       "may break existing callers of this function. If this is true for you, you can call this function with "
       "\"check_undefined_grad=False\" to disable the feature");
}

// PyTorch's _test_undefined_backward_mode: backward must accept undefined
// output gradients and then give undefined or zero input gradients; all
// outputs' gradients undefined at once, then (with several outputs) one at a
// time. ember's engine runs no backward that receives no gradient at all, so
// the first case only fails for a function that mishandles a partial one.
void test_undefined_backward_mode(const TensorFn& fn, const tensor_list& inputs, const tensor_list& diff_inputs,
                                  size_t n_outputs) {
  auto check = [&](const tensor_list& outputs) {
    if (outputs.empty()) return;
    tensor_list zero_grads;
    for (const Tensor& out : outputs) zero_grads.push_back(zeros(out.shape(), out.dtype()));
    tensor_list grads;
    try {
      grads = grad(outputs, diff_inputs, zero_grads, std::nullopt, false, true);
    } catch (const std::exception& e) {  // also what a Python hook or backward raised
      warn_bc_breaking();
      fail(fmt::format("Expected backward function to handle undefined output grads. {}\nThe error was: {}",
                       kUndefinedNote, e.what()));
    }
    for (const Tensor& g : grads) {
      if (!g.defined()) continue;
      for (double x : g.to_vector())
        if (x != 0) {
          warn_bc_breaking();
          fail(std::string("Expected all input grads to be undefined or zero when all output grads are undefined "
                           "or zero. ") +
               kUndefinedNote);
        }
    }
  };
  tensor_list all_undefined;
  for (const Tensor& out : differentiable_outputs(fn(inputs))) all_undefined.push_back(undefined_grad(out));
  check(all_undefined);
  if (all_undefined.size() <= 1) return;
  for (size_t k = 0; k < n_outputs; ++k) {
    tensor_list outputs = differentiable_outputs(fn(inputs));
    if (k < outputs.size()) outputs[k] = undefined_grad(outputs[k]);
    check(outputs);
  }
}

// PyTorch's _check_inputs: the positions of the inputs that require grad.
std::vector<size_t> check_inputs(const tensor_list& inputs) {
  std::vector<size_t> diff;
  for (size_t idx = 0; idx < inputs.size(); ++idx) {
    const Tensor& x = inputs[idx];
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != kFloat64)
      warn(fmt::format("Input #{} requires gradient and is not a double precision floating point or complex. This "
                       "check will likely fail if all the inputs are not of double precision floating point or "
                       "complex. ",
                       idx));
    for (size_t d = 0; d < x.shape().size(); ++d)
      EMBER_CHECK_STATE(x.strides()[d] > 0 || x.shape()[d] <= 1,
                        "The {}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                        "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                        ".contiguous on the input before passing it to gradcheck.",
                        idx);
    diff.push_back(idx);
  }
  EMBER_CHECK(!diff.empty(),
              "gradcheck expects at least one input tensor to require gradient, but none of them have "
              "requires_grad=True.");
  return diff;
}

void gradcheck_helper(const TensorFn& fn, const tensor_list& inputs, const GradcheckOptions& o) {
  std::vector<size_t> diff = check_inputs(inputs);
  tensor_list func_out = fn(inputs);
  tensor_list outputs = differentiable_outputs(func_out);
  if (o.fast_mode)
    fast_gradcheck(fn, inputs, diff, func_out, o);
  else
    slow_gradcheck(fn, inputs, diff, func_out, o);
  tensor_list diff_inputs = pick(inputs, diff);
  if (o.check_batched_grad)
    for (size_t j = 0; j < outputs.size(); ++j) test_batched_grad(diff_inputs, outputs[j], j);
  test_backward_mul_by_grad_output(outputs, diff_inputs, o.masked);
  if (o.check_undefined_grad) test_undefined_backward_mode(fn, inputs, diff_inputs, outputs.size());
}

// torch.testing.make_tensor(low=-1, high=1, requires_grad=True, noncontiguous=...) for one output.
Tensor random_grad_output(const Tensor& like, Generator& gen, bool noncontiguous) {
  NoGradGuard no_grad;
  Dtype dtype = like.is_floating_point() ? like.dtype() : kFloat64;
  Tensor g;
  if (noncontiguous && like.numel() > 1) {
    Shape wide = like.shape();
    wide.back() *= 2;
    g = slice(rand(wide, dtype, &gen) * 2.0 - 1.0, -1, 0, std::nullopt, 2);  // every other element
  } else {
    g = rand(like.shape(), dtype, &gen) * 2.0 - 1.0;
  }
  return g.requires_grad_();
}

}  // namespace

bool gradcheck(const TensorFn& fn, const tensor_list& inputs, const GradcheckOptions& options) {
  try {
    gradcheck_helper(fn, inputs, options);
  } catch (const GradcheckError&) {
    if (options.raise_exception) throw;
    return false;
  }
  return true;
}

bool gradgradcheck(const TensorFn& fn, const tensor_list& inputs, const tensor_list& grad_outputs,
                   const GradcheckOptions& options) {
  tensor_list gos = grad_outputs;
  if (gos.empty()) {
    Generator gen(kGradOutputSeed);
    for (const Tensor& out : differentiable_outputs(fn(inputs)))
      gos.push_back(random_grad_output(out, gen, options.gen_non_contig_grad_outputs));
  }
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff.push_back(i);
  size_t n_inputs = inputs.size();
  // (inputs, grad_outputs) -> the vjp of all differentiable outputs, differentiable again.
  TensorFn first_derivative = [fn, n_inputs, diff](const tensor_list& all) {
    tensor_list ins(all.begin(), all.begin() + long(n_inputs));
    tensor_list gos_in(all.begin() + long(n_inputs), all.end());
    tensor_list g = grad(differentiable_outputs(fn(ins)), pick(ins, diff), gos_in, true, true, true);
    tensor_list defined;
    for (const Tensor& t : g)
      if (t.defined()) defined.push_back(t);
    return defined;
  };
  tensor_list all = inputs;
  all.insert(all.end(), gos.begin(), gos.end());
  return gradcheck(first_derivative, all, options);
}

tensor_list get_numerical_jacobian(const TensorFn& fn, const tensor_list& inputs, const tensor_list& targets,
                                   double eps) {
  tensor_list float_outs = float_outputs(fn(inputs));
  tensor_list jacobians;
  for (const Tensor& x : targets) {
    if (!x.defined() || !x.requires_grad()) continue;
    NoGradGuard no_grad;  // the perturbed evaluations need no graph
    auto J = numerical_jacobian(fn, inputs, x, float_outs, eps);
    if (!J.empty()) jacobians.push_back(to_tensor(J[0], float_outs[0].dtype()));
  }
  return jacobians;
}

AnalyticalJacobian get_analytical_jacobian(const tensor_list& inputs, const Tensor& output, double nondet_tol) {
  tensor_list diff_inputs;
  for (const Tensor& x : inputs)
    if (x.defined() && x.requires_grad()) diff_inputs.push_back(x);
  AnalyticalJacobians a = compute_analytical_jacobians(output, diff_inputs, nondet_tol);
  AnalyticalJacobian result{{}, a.reentrant, a.sizes_ok, a.types_ok};
  for (const Matrix& m : a.jacobians) result.jacobians.push_back(to_tensor(m, output.dtype()));
  return result;
}

}  // namespace ember::autograd
