// Shared helpers of the C++ op tests: distinct-valued and strided inputs
// built without the ops under test, raw-stride element access, an
// independent finite-difference check of first and second derivatives
// (independent of autograd::gradcheck, which it thereby cross-checks), and
// an exception-message matcher.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"

namespace ember::test {

using Catch::Matchers::Contains;


// Distinct, non-integer values, so a misplaced element shows.
inline Tensor seq(const Shape& shape, Dtype dtype = kFloat64) {
  std::vector<double> v(numel_of(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = dtype == kInt64 ? double(2 * i + 1) : 0.5 + double(i) * 1.25;
  return tensor(v, shape, dtype);
}

// The same values laid out with a gap after every element of the last dim:
// a non-contiguous tensor built without the ops under test.
inline Tensor strided(const Shape& shape) {
  Shape wide = shape;
  if (!wide.empty()) wide.back() *= 2;
  Tensor base = zeros(wide, kFloat64);
  Strides st = contiguous_strides(wide);
  if (!st.empty()) st.back() = 2;
  Tensor v = make_view(base, shape, st, 0);
  Tensor src = seq(shape);
  const double* ps = src.data_ptr<double>();
  double* pb = base.data_ptr<double>();
  for (int64_t i = 0; i < src.numel(); ++i) pb[i * 2] = ps[i];
  return v;
}

// Element at a multi-index, read through the raw strides.
inline double elem(const Tensor& t, const std::vector<int64_t>& idx) {
  int64_t off = t.storage_offset();
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.strides()[d];
  return dispatch_all(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return double(static_cast<const T*>(t.storage()->data())[off]);
  });
}

inline void for_each_index(const Shape& shape, const std::function<void(const std::vector<int64_t>&)>& f) {
  int64_t n = numel_of(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(idx);
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// Row-major values through raw strides.
inline std::vector<double> values(const Tensor& t) {
  std::vector<double> out;
  for_each_index(t.shape(), [&](const std::vector<int64_t>& i) { out.push_back(elem(t, i)); });
  return out;
}

inline void set_elem(const Tensor& t, const std::vector<int64_t>& idx, double v) {
  int64_t off = t.storage_offset();
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.strides()[d];
  static_cast<double*>(t.storage()->data())[off] = v;
}

// Deterministic weights in [-1, 1] for a weighted sum of an output.
inline Tensor weights(const Shape& shape, int salt) {
  std::vector<double> v(numel_of(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double((int64_t(i) * 7 + salt * 3) % 11 - 5) / 5.0;
  return tensor(v, shape, kFloat64);
}

inline double dot_values(const Tensor& a, const Tensor& b) {
  auto va = values(a), vb = values(b);
  REQUIRE(va.size() == vb.size());
  double s = 0;
  for (size_t i = 0; i < va.size(); ++i) s += va[i] * vb[i];
  return s;
}

// Checks f's vector-Jacobian product (backward) and its double backward
// against central differences: <w, f(x + e)> for every element e of every
// input, and d<grad(w), u>/dw = J u = (f(x + h u) - f(x - h u)) / 2h.
inline void check_gradients(const std::function<Tensor(const tensor_list&)>& f, tensor_list inputs) {
  const double h = 1e-6, tol = 1e-7;
  for (Tensor& x : inputs) x.requires_grad_(true);
  Tensor y = f(inputs);
  Tensor w = weights(y.shape(), 1).requires_grad_(true);
  tensor_list grads = autograd::grad({y}, inputs, {w}, true, true, true);
  auto evaluate = [&]() {
    NoGradGuard no_grad;
    return f(inputs);
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    for_each_index(x.shape(), [&](const std::vector<int64_t>& i) {
      double v = elem(x, i);
      set_elem(x, i, v + h);
      double up = dot_values(evaluate(), w);
      set_elem(x, i, v - h);
      double down = dot_values(evaluate(), w);
      set_elem(x, i, v);
      double analytic = grads[k].defined() ? elem(grads[k], i) : 0.0;
      INFO("input " << k << " element " << shape_str(i));
      CHECK(std::fabs(analytic - (up - down) / (2 * h)) < tol);
    });
  }
  // Double backward: gradient of sum_k <grads[k], u_k> with respect to w.
  tensor_list outs, us;
  for (size_t k = 0; k < inputs.size(); ++k)
    if (grads[k].defined() && grads[k].requires_grad()) {
      outs.push_back(grads[k]);
      us.push_back(weights(inputs[k].shape(), int(k) + 2));
    }
  if (outs.empty()) return;
  Tensor gw = autograd::grad(outs, {w}, us)[0];
  std::vector<Tensor> saved;
  for (const Tensor& x : inputs) saved.push_back(clone(x.detach()));
  auto shift = [&](double s) {
    for (size_t k = 0; k < inputs.size(); ++k) {
      Tensor u = weights(inputs[k].shape(), int(k) + 2);
      for_each_index(inputs[k].shape(), [&](const std::vector<int64_t>& i) {
        set_elem(inputs[k], i, elem(saved[k], i) + s * elem(u, i));
      });
    }
  };
  shift(h);
  auto up = values(evaluate());
  shift(-h);
  auto down = values(evaluate());
  shift(0);
  auto analytic = values(gw);
  REQUIRE(analytic.size() == up.size());
  for (size_t i = 0; i < up.size(); ++i) CHECK(std::fabs(analytic[i] - (up[i] - down[i]) / (2 * h)) < tol);
}

template <class E, class F>
void expect_error(F f, const std::string& fragment) {
  try {
    f();
    FAIL("no exception; expected one containing: " << fragment);
  } catch (const E& e) {
    CHECK_THAT(e.what(), Contains(fragment));
  }
}


}  // namespace ember::test
