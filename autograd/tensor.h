// Tensor: a cheap handle (shared_ptr) to a TensorImpl holding storage,
// offset, shape, strides and dtype, plus the autograd record (grad, grad_fn,
// hooks) when the tensor takes part in differentiation. Views share storage.
// The op methods forward to the free functions in ops/.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "autograd/device.h"
#include "autograd/dtype.h"
#include "autograd/scalar.h"
#include "autograd/shape.h"
#include "autograd/storage.h"

namespace ember {

class Tensor;
class Node;
struct TensorImpl;
using tensor_list = std::vector<Tensor>;
using Hook = std::function<Tensor(const Tensor&)>;

/// Creation options in libtorch's style: `ember::zeros({2, 3}, ember::kFloat64)`
/// or `TensorOptions().dtype(kFloat64).device(kCPU).requires_grad(true)`.
struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d), has_dtype_(true) {}  // NOLINT(implicit), as libtorch
  TensorOptions(Device d) : device_(d) {}  // NOLINT(implicit), as libtorch
  TensorOptions(DeviceType t) : device_(t) {}  // NOLINT(implicit), as libtorch
  TensorOptions& dtype(Dtype d) {
    dtype_ = d;
    has_dtype_ = true;
    return *this;
  }
  TensorOptions& requires_grad(bool r = true) {
    requires_grad_ = r;
    return *this;
  }
  /// The CPU is ember's only device: Device itself rejects any other.
  TensorOptions& device(Device d) {
    device_ = d;
    return *this;
  }
  Dtype dtype_ = Dtype::Float32;
  Device device_ = kCPU;
  bool has_dtype_ = false;  // false: the factory may infer it (arange from its arguments)
  bool requires_grad_ = false;
};

/// How a view came to be, which decides whether an in-place op on it may
/// rebase its base's history (PyTorch's CreationMeta).
enum class CreationMeta : uint8_t {
  Default,           // an ordinary view: in-place ops on it are recorded on the base
  NoGradMode,        // made under no_grad: in-place with grad mode on is refused
  InferenceMode,     // a view of a normal tensor made in inference mode: in-place outside it is refused
  MultiOutputNode,   // one of several views of one op (split, chunk, unbind)
  InCustomFunction,  // returned by a custom Function's forward
};

/// A tensor hook and the name its error messages use.
struct HookEntry {
  int id;
  uint32_t output_nr;
  Hook fn;
  std::string name;
};

/// A view's link to the tensor whose storage it shows. `base` is the root
/// (never itself a view); `attr_version` is the storage version the view's
/// grad_fn was made for: an in-place op on the base or another view bumps the
/// version, and the view's grad_fn is then regenerated from the base's.
struct ViewInfo {
  std::shared_ptr<TensorImpl> base;
  CreationMeta creation_meta = CreationMeta::Default;
  uint32_t attr_version = 0;
};

/// Autograd state of one tensor; allocated only for tensors that need it.
struct AutogradMeta {
  AutogradMeta() = default;
  AutogradMeta(const AutogradMeta&) = delete;
  AutogradMeta& operator=(const AutogradMeta&) = delete;
  ~AutogradMeta();  // hands grad_fn to the engine's iterative release (no deep recursion)

  bool requires_grad = false;  // meaningful for leaves; non-leaves require grad through grad_fn
  bool retains_grad = false;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::shared_ptr<TensorImpl> grad;
  std::weak_ptr<Node> grad_accumulator;
  std::vector<HookEntry> hooks;  // leaf hooks (non-leaf hooks live on grad_fn)
  std::vector<std::pair<int, std::function<void(const Tensor&)>>> post_accumulate_hooks;
  std::unique_ptr<ViewInfo> view;  // set on the results of view ops
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Strides strides;  // in elements
  Dtype dtype = Dtype::Float32;
  bool is_inference = false;  // made in inference mode (InferenceMode)
  bool is_wrapped_number = false;  // a Python number an op took as a 0-d tensor (PyTorch's wrapped number)
  std::unique_ptr<AutogradMeta> autograd;
  AutogradMeta& meta() {
    if (!autograd) autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
};

/// Removes a hook when `remove()` is called (Python: handle.remove()).
class HookHandle {
 public:
  HookHandle() = default;
  explicit HookHandle(std::function<void()> remove) : remove_(std::move(remove)) {}
  void remove() {
    if (remove_) remove_();
    remove_ = nullptr;
  }

 private:
  std::function<void()> remove_;
};

/// One entry of `Tensor::index`: an integer, a slice, None (new axis), `...`,
/// or an index tensor (int64 positions or a bool mask), as in libtorch.
struct Slice {
  std::optional<int64_t> start, stop, step;
};
struct TensorIndex {
  enum class Kind { Integer, Slice, None, Ellipsis, Tensor };
  TensorIndex(int64_t i) : kind(Kind::Integer), integer(i) {}  // NOLINT(implicit)
  TensorIndex(int i) : kind(Kind::Integer), integer(i) {}  // NOLINT(implicit)
  TensorIndex(Slice s) : kind(Kind::Slice), slice(s) {}  // NOLINT(implicit)
  TensorIndex(const Tensor& t);  // NOLINT(implicit)
  static TensorIndex none() { return TensorIndex(Kind::None); }
  static TensorIndex ellipsis() { return TensorIndex(Kind::Ellipsis); }
  Kind kind;
  int64_t integer = 0;
  Slice slice;
  std::shared_ptr<TensorImpl> tensor;

 private:
  explicit TensorIndex(Kind k) : kind(k) {}
};

class Generator;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata ----
  Dtype dtype() const { return impl_->dtype; }
  const Shape& sizes() const { return impl_->shape; }
  const Shape& shape() const { return impl_->shape; }
  int64_t size(int64_t dim) const;
  const Strides& strides() const { return impl_->strides; }
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return int64_t(impl_->shape.size()); }
  int64_t numel() const;
  int64_t storage_offset() const { return impl_->offset; }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  /// Always the CPU, ember's only device.
  Device device() const { return Device(kCPU); }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  /// Element pointer (offset applied); throws TypeError if T is not the dtype.
  template <class T>
  T* data_ptr() const;
  void* raw_data() const;
  /// The single element of a one-element tensor, converted to T.
  template <class T = double>
  T item() const;
  /// Contents as doubles in row-major order (any dtype).
  std::vector<double> to_vector() const;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  Tensor& set_requires_grad(bool requires_grad) { return requires_grad_(requires_grad); }
  /// Accumulated gradient of a leaf (or a non-leaf that called retain_grad); undefined if none.
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const;
  uint32_t output_nr() const;
  /// Reverse-mode pass from this tensor; `gradient` may be omitted for one-element tensors.
  /// With `inputs`, only their gradients are accumulated.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const tensor_list& inputs = {}) const;
  /// Same data, no history, requires_grad false.
  Tensor detach() const;
  Tensor& detach_();
  void retain_grad() const;
  bool retains_grad() const;
  /// `hook(grad)` runs when this tensor's gradient is computed; a defined return
  /// value (same shape and dtype) replaces it. `name` is used in error messages.
  HookHandle register_hook(Hook hook, std::string name = "hook") const;
  /// `hook(tensor)` runs after a backward has accumulated into this leaf's `.grad`.
  HookHandle register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  /// The storage's version counter (bumped by every in-place op).
  uint32_t _version() const { return impl_->storage->version(); }
  /// Made in inference mode (or a view of such a tensor).
  bool is_inference() const { return impl_->is_inference; }
  /// True for the result of a view op (it shares its base's storage and history).
  bool is_view() const;
  /// The tensor a view was taken from (the root of a chain of views); undefined if not a view.
  Tensor _base() const;
  /// The same memory as a new tensor with no history and its own version
  /// counter (Python's `t.data`): in-place changes to it are not seen by autograd.
  Tensor variable_data() const;
  /// Makes this tensor use `new_data`'s memory, shape and dtype, keeping its
  /// identity and autograd state (Python's `t.data = new_data`).
  void set_data(const Tensor& new_data) const;
  /// True when both tensors read the same memory.
  bool is_alias_of(const Tensor& other) const { return storage()->data() == other.storage()->data(); }

  // ---- elementwise (ops/elementwise.h) ----
  Tensor add(const Tensor& other, Scalar alpha = 1) const;
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor reciprocal() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor logical_not() const;

  // ---- in place (bump the version counter) ----
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& div_(const Tensor& other);
  Tensor& add_(Scalar other);
  Tensor& sub_(Scalar other);
  Tensor& mul_(Scalar other);
  Tensor& div_(Scalar other);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  Tensor& copy_(const Tensor& src);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& pow_(const Tensor& exponent);
  Tensor& pow_(Scalar exponent);
  Tensor& neg_();
  Tensor& exp_();
  Tensor& log_();
  Tensor& sqrt_();
  Tensor& rsqrt_();
  Tensor& abs_();
  Tensor& sign_();
  Tensor& sin_();
  Tensor& cos_();
  Tensor& tanh_();
  Tensor& sigmoid_();
  Tensor& reciprocal_();

  // ---- conversion ----
  Tensor to(Dtype dtype) const;
  /// The tensor itself (it is already on the CPU, the only device).
  Tensor to(Device device) const;
  Tensor to(Device device, Dtype dtype) const;
  Tensor cpu() const { return *this; }
  Tensor to_float() const { return to(kFloat32); }
  Tensor to_double() const { return to(kFloat64); }
  Tensor to_long() const { return to(kInt64); }
  Tensor clone() const;
  Tensor contiguous() const;

  // ---- reductions (ops/reduce.h) ----
  Tensor sum() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor var(const std::vector<int64_t>& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor std(const std::vector<int64_t>& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor amax(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  Tensor amin(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor logsumexp(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(const std::vector<int64_t>& dims, bool keepdim = false) const;
  /// One dim as a plain integer, as libtorch takes it: `x.sum(0)`, `x.mean(-1, true)`.
  /// Templates, so that `x.sum({})` still means a list of dims.
  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Tensor sum(I dim, bool keepdim = false) const { return sum(std::vector<int64_t>{int64_t(dim)}, keepdim); }
  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Tensor mean(I dim, bool keepdim = false) const { return mean(std::vector<int64_t>{int64_t(dim)}, keepdim); }
  /// The vector p-norm over `dims` (all when empty): torch.norm (ops/norm_vector.h).
  Tensor norm(double p = 2, const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  Tensor norm(const std::string& p, const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  Tensor cumsum(int64_t dim) const;
  Tensor cumprod(int64_t dim) const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;
  Tensor log1p() const;
  Tensor expm1() const;

  // ---- linear algebra (ops/linalg.h) ----
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;

  // ---- shape and views (ops/shape.h) ----
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor view_as(const Tensor& other) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) const;
  tensor_list unbind(int64_t dim = 0) const;
  tensor_list chunk(int64_t chunks, int64_t dim = 0) const;
  tensor_list split(int64_t split_size, int64_t dim = 0) const;
  tensor_list split(const std::vector<int64_t>& split_sizes, int64_t dim = 0) const;
  Tensor flip(const std::vector<int64_t>& dims) const;
  Tensor tile(const Shape& reps) const;
  /// The last two dims swapped (libtorch's mT(); needs at least 2 dims).
  Tensor mT() const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  /// The slice at `index` of dim 0, as libtorch's x[i].
  Tensor operator[](int64_t index) const { return select(0, index); }

  // ---- indexing (ops/index.h) ----
  Tensor index(const std::vector<TensorIndex>& indices) const;
  /// `self[indices] = value` (no autograd through the assignment target's history).
  Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<TensorIndex>& indices, Scalar value);
  /// torch's index_put_/index_put: advanced indices only, `values` of self's dtype, summed with `accumulate`.
  Tensor& index_put_(const tensor_list& indices, const Tensor& values, bool accumulate);
  Tensor index_put(const tensor_list& indices, const Tensor& values, bool accumulate = false) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor masked_scatter(const Tensor& mask, const Tensor& source) const;
  /// In place, returning *this. Uniform values in [from, to) or normal values
  /// from `gen` (the default generator if null); defined in ops/factory.cpp.
  Tensor& uniform_(double from = 0, double to = 1, Generator* gen = nullptr);
  Tensor& normal_(double mean = 0, double std = 1, Generator* gen = nullptr);
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(int64_t dim, const Tensor& index, Scalar value);
  Tensor& masked_scatter_(const Tensor& mask, const Tensor& source);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Operators, as in libtorch.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, Scalar b);
Tensor& operator-=(Tensor& a, Scalar b);
Tensor& operator*=(Tensor& a, Scalar b);
Tensor& operator/=(Tensor& a, Scalar b);

/// A fresh contiguous tensor (uninitialised) with the given shape and dtype.
Tensor make_tensor(const Shape& shape, Dtype dtype);
/// A view of `base`'s storage with another geometry (no autograd record).
Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, int64_t offset);

template <class T>
T* Tensor::data_ptr() const {
  EMBER_CHECK_TYPE(dtype_of<T>::value == dtype(), "data_ptr: tensor has dtype {} but {} was requested",
                   dtype_name(dtype()), dtype_name(dtype_of<T>::value));
  return static_cast<T*>(impl_->storage->data()) + impl_->offset;
}

template <class T>
T Tensor::item() const {
  EMBER_CHECK(numel() == 1, "item: a Tensor with {} elements cannot be converted to Scalar", numel());
  return dispatch_all(dtype(), [&](auto tag) {
    using S = decltype(tag);
    return T(static_cast<const S*>(impl_->storage->data())[impl_->offset]);
  });
}

}  // namespace ember
