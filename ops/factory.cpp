// Tensor creation. Random tensors draw from an ember::Generator in row-major
// order, so a seed gives the same tensor on every platform and thread count.
#include "ops/factory.h"

#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {
namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

template <class F>
Tensor fill_with(const Shape& shape, const TensorOptions& options, F value_at) {
  Tensor t = make_tensor(shape, options.dtype_);
  dispatch_all(options.dtype_, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(value_at(i));
  });
  return finish(t, options);
}

Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) { return finish(make_tensor(shape, options.dtype_), options); }

Tensor full(const Shape& shape, Scalar value, TensorOptions options) {
  Tensor t = make_tensor(shape, options.dtype_);
  dispatch_all(options.dtype_, [&](auto tag) {
    using T = decltype(tag);
    T v = std::is_integral_v<T> && value.is_integral() ? T(value.to_int()) : T(value.to_double());
    T* p = t.data_ptr<T>();
    int64_t n = t.numel();
    parallel_for_simd(n, [&](int64_t i) { p[i] = v; });
  });
  return finish(t, options);
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1, options); }
Tensor scalar_tensor(Scalar value, TensorOptions options) { return full({}, value, options); }

Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, Scalar value) { return full(t.shape(), value, t.dtype()); }
Tensor empty_like(const Tensor& t, TensorOptions options) { return empty(t.shape(), options); }
Tensor zeros_like(const Tensor& t, TensorOptions options) { return zeros(t.shape(), options); }
Tensor ones_like(const Tensor& t, TensorOptions options) { return ones(t.shape(), options); }
Tensor full_like(const Tensor& t, Scalar value, TensorOptions options) { return full(t.shape(), value, options); }

Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, "arange: expected step != 0, got step={}", st);
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "arange: expected finite start and end, got start={}, end={}", s, e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "arange: upper bound and larger bound inconsistent with step sign (start={}, end={}, step={})", s, e, st);
  auto n = int64_t(std::ceil((e - s) / st));
  if (!options.has_dtype_)
    options.dtype(start.is_integral() && end.is_integral() && step.is_integral() ? kInt64 : kFloat32);
  return fill_with({n}, options, [&](int64_t i) { return s + double(i) * st; });
}

namespace {
// PyTorch's CPU rule: the first half steps up from start, the second half down
// from end, so both ends are exact and the spacing is symmetric.
std::vector<double> evenly_spaced(const char* op, Scalar start, Scalar end, int64_t steps) {
  EMBER_CHECK(steps >= 0, "{}: number of steps must be non-negative, got {}", op, steps);
  double s = start.to_double(), e = end.to_double();
  std::vector<double> v(static_cast<size_t>(steps));
  if (steps == 1) v[0] = s;
  if (steps <= 1) return v;
  double step = (e - s) / double(steps - 1);
  int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i) v[size_t(i)] = i < half ? s + step * double(i) : e - step * double(steps - i - 1);
  return v;
}
}  // namespace

Tensor linspace(Scalar start, Scalar end, int64_t steps, TensorOptions options) {
  std::vector<double> v = evenly_spaced("linspace", start, end, steps);
  return fill_with({steps}, options, [&](int64_t i) { return v[size_t(i)]; });
}

Tensor logspace(Scalar start, Scalar end, int64_t steps, double base, TensorOptions options) {
  std::vector<double> v = evenly_spaced("logspace", start, end, steps);
  return fill_with({steps}, options, [&](int64_t i) { return std::pow(base, v[size_t(i)]); });
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions options) {
  int64_t cols = m.value_or(n);
  EMBER_CHECK(n >= 0 && cols >= 0, "eye: expected n >= 0 and m >= 0, got n={}, m={}", n, cols);
  return fill_with({n, cols}, options, [cols](int64_t i) { return i / cols == i % cols ? 1.0 : 0.0; });
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* gen) {
  dispatch_floating(options.dtype_, "rand", [](auto) {});
  Generator& g = pick(gen);
  std::lock_guard<std::mutex> lock(g.mutex());
  return fill_with(shape, options, [&](int64_t) { return g.uniform(); });
}

namespace {
// self[i] = uniform < p[i] for p's values in row-major order (one per element of self).
void fill_bernoulli(Tensor& self, const std::vector<double>& p, Generator* gen) {
  for (double v : p) EMBER_CHECK(v >= 0 && v <= 1, "bernoulli: expected p in [0, 1], got {}", v);
  Generator& g = pick(gen);
  std::vector<double> draws(p.size());
  {
    std::lock_guard<std::mutex> lock(g.mutex());
    for (size_t i = 0; i < p.size(); ++i) draws[i] = g.uniform() < p[i] ? 1.0 : 0.0;
  }
  Tensor filled = tensor(draws, self.shape(), self.dtype());
  copy_(self, filled);
}
}  // namespace

Tensor bernoulli(const Tensor& p, Generator* gen) {
  EMBER_CHECK_TYPE(p.defined() && is_floating(p.dtype()), "bernoulli: expected a floating point probability tensor");
  Tensor out = make_tensor(p.shape(), p.dtype());
  fill_bernoulli(out, p.to_vector(), gen);
  return out;
}

Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  fill_bernoulli(self, std::vector<double>(size_t(self.numel()), p), gen);
  return self;
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  EMBER_CHECK(broadcastable_to(p.shape(), self.shape()), "bernoulli_: expected p of shape {} to broadcast to {}",
              shape_str(p.shape()), shape_str(self.shape()));
  fill_bernoulli(self, expand(p, self.shape()).to_vector(), gen);
  return self;
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* gen) {
  dispatch_floating(options.dtype_, "randn", [](auto) {});
  Generator& g = pick(gen);
  std::lock_guard<std::mutex> lock(g.mutex());
  return fill_with(shape, options, [&](int64_t) { return g.normal(); });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator* gen) {
  EMBER_CHECK(low < high, "randint: expected low < high, got low={}, high={}", low, high);
  Generator& g = pick(gen);
  std::lock_guard<std::mutex> lock(g.mutex());
  Tensor t = make_tensor(shape, kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = g.randint(low, high);
  return options.dtype_ == kInt64 ? finish(t, options) : finish(t.to(options.dtype_), options);
}

namespace {
// Fills self with draw() values in row-major order, through copy_ (the version
// counter and autograd's in-place checks).
template <class Draw>
Tensor& fill_random(const char* op, Tensor& self, Generator* gen, Draw draw) {
  EMBER_CHECK(self.defined(), "{}: expected a defined tensor", op);
  dispatch_floating(self.dtype(), op, [](auto) {});
  Generator& g = pick(gen);
  std::vector<double> values(size_t(self.numel()));
  {
    std::lock_guard<std::mutex> lock(g.mutex());
    for (double& v : values) v = draw(g);
  }
  // Tensor::copy_, not the kernel-level copy_: it refuses a leaf that requires grad outside no_grad.
  return self.copy_(tensor(values, self.shape(), self.dtype()));
}
}  // namespace

// Tensor methods (autograd/tensor.h) defined beside the other random fills.
Tensor& Tensor::uniform_(double from, double to, Generator* gen) {
  EMBER_CHECK(from <= to, "uniform_: expects to return a [from, to) range, but found from={} > to={}", from, to);
  return fill_random("uniform_", *this, gen, [&](Generator& g) { return from + (to - from) * g.uniform(); });
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  EMBER_CHECK(std >= 0, "normal_: expects std >= 0.0, but found std {}", std);
  return fill_random("normal_", *this, gen, [&](Generator& g) { return mean + std * g.normal(); });
}

Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }

Tensor randperm(int64_t n, Generator* gen) {
  EMBER_CHECK(n >= 0, "randperm: expected n >= 0, got {}", n);
  Generator& g = pick(gen);
  std::lock_guard<std::mutex> lock(g.mutex());
  Tensor t = make_tensor({n}, kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  std::iota(p, p + n, int64_t(0));
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[g.randint(0, i + 1)]);  // Fisher-Yates
  return t;
}

Tensor tensor(const std::vector<double>& values, const Shape& shape, TensorOptions options) {
  EMBER_CHECK(numel_of(shape, "tensor") == int64_t(values.size()),
              "tensor: shape {} needs {} values, got {}", shape_str(shape), numel_of(shape), values.size());
  return fill_with(shape, options, [&](int64_t i) { return values[size_t(i)]; });
}

Tensor tensor(std::initializer_list<double> values, TensorOptions options) {
  return tensor(std::vector<double>(values), {int64_t(values.size())}, options);
}

Tensor from_blob(void* data, const Shape& shape, const Strides& strides, Dtype dtype, std::function<void()> release) {
  EMBER_CHECK(strides.size() == shape.size(), "from_blob: got {} strides for a shape of {} dims", strides.size(),
              shape.size());
  int64_t n = numel_of(shape, "from_blob");
  // The extent the strides reach, so the storage knows its size.
  int64_t extent = n == 0 ? 0 : 1;
  for (size_t i = 0; i < shape.size() && n > 0; ++i) {
    EMBER_CHECK(strides[i] >= 0, "from_blob: expected non-negative strides, got {}", shape_str(strides));
    extent += (shape[i] - 1) * strides[i];
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::wrap(data, size_t(extent) * element_size(dtype), std::move(release));
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = dtype;
  impl->is_inference = InferenceMode::is_enabled();
  return Tensor(std::move(impl));
}

}  // namespace ember
