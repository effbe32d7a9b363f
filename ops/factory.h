// Tensor creation: filled, ranged, identity and random tensors, and tensors
// from C++ data or borrowed memory.
#pragma once

#include <functional>
#include <type_traits>
#include <vector>

#include "autograd/generator.h"
#include "autograd/tensor.h"

namespace ember {

Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, Scalar value, TensorOptions options = {});
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(Scalar value, TensorOptions options = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, Scalar value);
Tensor empty_like(const Tensor& t, TensorOptions options);
Tensor zeros_like(const Tensor& t, TensorOptions options);
Tensor ones_like(const Tensor& t, TensorOptions options);
Tensor full_like(const Tensor& t, Scalar value, TensorOptions options);
/// Values start, start+step, ... below end (PyTorch's length rule: ceil((end-start)/step));
/// int64 when every argument is an integer, else float32, unless a dtype is given.
Tensor arange(Scalar end, TensorOptions options = {});
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = {});
/// `steps` values from start to end, evenly spaced (both ends included), float32
/// unless a dtype is given; logspace gives base to the power of them.
Tensor linspace(Scalar start, Scalar end, int64_t steps, TensorOptions options = {});
Tensor logspace(Scalar start, Scalar end, int64_t steps, double base = 10.0, TensorOptions options = {});
/// n x m identity (m defaults to n).
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions options = {});
/// Uniform [0, 1), standard normal, and integers in [low, high), from `gen` (default generator if null).
Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = kInt64,
               Generator* gen = nullptr);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
/// 1 with probability p[i], else 0, in p's dtype (torch.bernoulli; not differentiable).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
/// Fills `self` (any dtype) with 1 with probability p, else 0; p a number or a
/// tensor broadcast to self's shape.
Tensor& bernoulli_(Tensor& self, double p = 0.5, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);
/// A random permutation of 0..n-1 (int64).
Tensor randperm(int64_t n, Generator* gen = nullptr);
// A 1-d size as a plain integer, as libtorch's IntArrayRef takes it:
// `randn(3)`. Templates, so that a braced list (`zeros({})`, a 0-d tensor)
// still means a Shape.
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
Tensor empty(I n, TensorOptions options = {}) { return empty(Shape{int64_t(n)}, options); }
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
Tensor zeros(I n, TensorOptions options = {}) { return zeros(Shape{int64_t(n)}, options); }
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
Tensor ones(I n, TensorOptions options = {}) { return ones(Shape{int64_t(n)}, options); }
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
Tensor rand(I n, TensorOptions options = {}, Generator* gen = nullptr) { return rand(Shape{int64_t(n)}, options, gen); }
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
Tensor randn(I n, TensorOptions options = {}, Generator* gen = nullptr) { return randn(Shape{int64_t(n)}, options, gen); }

/// A tensor of `shape` from row-major `values` (copied and converted to the dtype).
Tensor tensor(const std::vector<double>& values, const Shape& shape, TensorOptions options = {});
/// A 1-d tensor from a braced list: `ember::tensor({1.0, 2.0, 3.0})`.
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {});
/// Wraps memory the caller owns; `release` runs when the last view dies.
Tensor from_blob(void* data, const Shape& shape, const Strides& strides, Dtype dtype,
                 std::function<void()> release = nullptr);

}  // namespace ember
