// Tensor: construction, metadata, autograd accessors, and the op methods,
// each a one-line forward to the free function in ops/. In-place methods on
// tensors with history compute out of place and take over the result's history.
#include "autograd/tensor.h"

#include <algorithm>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/cumulative.h"
#include "ops/elementwise.h"
#include "ops/elementwise_math.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/norm_vector.h"
#include "ops/shape.h"
#include "ops/sort.h"

namespace ember {

Tensor make_tensor(const Shape& shape, Dtype dtype) {
  auto impl = std::make_shared<TensorImpl>();
  int64_t n = numel_of(shape);
  size_t bytes;
  EMBER_CHECK(!__builtin_mul_overflow(size_t(n), element_size(dtype), &bytes),
              "tensor: shape {} of {} needs more bytes than size_t can count", shape_str(shape), dtype_name(dtype));
  impl->storage = Storage::allocate(bytes);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  impl->is_inference = InferenceMode::is_enabled();
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->offset = offset;
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = base.dtype();
  impl->is_inference = base.is_inference();
  return Tensor(std::move(impl));
}

TensorIndex::TensorIndex(const Tensor& t) : kind(Kind::Tensor), tensor(t.impl_ptr()) {}

namespace {
// size(d) and stride(d) have no dim to give on a 0-d tensor (PyTorch's IndexError).
int64_t wrap_existing_dim(int64_t dim, int64_t ndim) {
  EMBER_CHECK_INDEX(ndim > 0, "Dimension specified as {} but tensor has no dimensions", dim);
  return wrap_dim(dim, ndim, "size");
}
}  // namespace

int64_t Tensor::size(int64_t dim) const { return impl_->shape[wrap_existing_dim(dim, this->dim())]; }
int64_t Tensor::stride(int64_t dim) const { return impl_->strides[wrap_existing_dim(dim, this->dim())]; }
int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : impl_->shape) n *= s;  // validated when the shape was made
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = impl_->shape.size(); i-- > 0;) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * int64_t(element_size(dtype()));
}

std::vector<double> Tensor::to_vector() const {
  Tensor c = ember::to_dtype(contiguous(), kFloat64);
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// ---- autograd ----

bool Tensor::requires_grad() const {
  const auto* m = impl_->autograd.get();
  if (!m) return false;
  if (m->requires_grad || m->grad_fn) return true;
  return m->view && Tensor(m->view->base).requires_grad();
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  EMBER_CHECK_STATE(is_leaf() || requires_grad,
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  EMBER_CHECK_STATE(!requires_grad || is_floating(dtype()),
                    "only Tensors of floating point dtype can require gradients, got {}", dtype_name(dtype()));
  EMBER_CHECK_STATE(!(requires_grad && is_inference() && !InferenceMode::is_enabled()),
                    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.");
  impl_->meta().requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  const auto* m = impl_->autograd.get();
  return m && m->grad ? Tensor(m->grad) : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  if (grad.defined()) {
    EMBER_CHECK_STATE(!grad.is_same(*this), "can't assign Variable as its own grad");
    EMBER_CHECK_TYPE(grad.dtype() == dtype(),
                     "attempting to assign a gradient with dtype '{}' to a tensor with dtype '{}'. Please ensure "
                     "that the gradient and the tensor have the same dtype",
                     dtype_name(grad.dtype()), dtype_name(dtype()));
    EMBER_CHECK(grad.shape() == shape(),
                "attempting to assign a gradient of size '{}' to a tensor of size '{}'. Please ensure that "
                "the gradient and the tensor are the same size",
                shape_str(grad.shape()), shape_str(shape()));
  }
  impl_->meta().grad = grad.impl_ptr();
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  const auto* m = impl_->autograd.get();
  if (!m) return none;
  return m->view ? view_grad_fn(impl_) : m->grad_fn;
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }
uint32_t Tensor::output_nr() const { return impl_->autograd ? impl_->autograd->output_nr : 0; }

bool Tensor::is_view() const { return impl_->autograd && impl_->autograd->view; }
Tensor Tensor::_base() const { return is_view() ? Tensor(impl_->autograd->view->base) : Tensor(); }

Tensor Tensor::variable_data() const {
  // A second Storage over the same bytes (keeping the first alive) carries a fresh version counter.
  std::shared_ptr<Storage> owner = storage();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::wrap(owner->data(), owner->nbytes(), [owner]() mutable { owner.reset(); });
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->dtype = impl_->dtype;
  impl->is_inference = impl_->is_inference;
  return Tensor(std::move(impl));
}

void Tensor::set_data(const Tensor& new_data) const {
  EMBER_CHECK(new_data.defined(), "set_data: expected a defined tensor");
  EMBER_CHECK_STATE(!requires_grad() || is_floating(new_data.dtype()),
                    "data set to a tensor that requires gradients must be floating point or complex dtype");
  impl_->storage = new_data.storage();
  impl_->offset = new_data.storage_offset();
  impl_->shape = new_data.shape();
  impl_->strides = new_data.strides();
  impl_->dtype = new_data.dtype();
  // The accumulator caches the old shape and dtype; the next graph makes a new one.
  if (impl_->autograd) impl_->autograd->grad_accumulator.reset();
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const tensor_list& inputs) const {
  autograd::backward({*this}, gradient.defined() ? tensor_list{gradient} : tensor_list{}, retain_graph, create_graph,
                     inputs);
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), storage_offset()); }

Tensor& Tensor::detach_() {
  EMBER_CHECK_STATE(!is_view(), "Can't detach views in-place. Use detach() instead.");
  if (impl_->autograd) {
    impl_->autograd->grad_fn = nullptr;
    impl_->autograd->output_nr = 0;
    impl_->autograd->requires_grad = false;
  }
  return *this;
}

void Tensor::retain_grad() const {
  EMBER_CHECK_STATE(requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf() || retains_grad()) return;  // leaves keep .grad anyway
  impl_->meta().retains_grad = true;
  grad_fn()->add_retained_grad(output_nr(), impl_);
}

bool Tensor::retains_grad() const { return impl_->autograd && impl_->autograd->retains_grad; }

HookHandle Tensor::register_hook(Hook hook, std::string name) const {
  EMBER_CHECK_STATE(requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  if (is_leaf()) {
    auto& hooks = impl_->meta().hooks;
    int id = detail::new_hook_id();
    hooks.push_back({id, 0, std::move(hook), std::move(name)});
    std::weak_ptr<TensorImpl> weak = impl_;
    return HookHandle([weak, id] {
      if (auto impl = weak.lock()) {
        auto& hs = impl->meta().hooks;
        for (auto it = hs.begin(); it != hs.end(); ++it)
          if (it->id == id) {
            hs.erase(it);
            return;
          }
      }
    });
  }
  std::weak_ptr<Node> node = grad_fn();
  int id = grad_fn()->add_hook(output_nr(), std::move(hook), std::move(name));
  return HookHandle([node, id] {
    if (auto n = node.lock()) n->remove_hook(id);
  });
}

HookHandle Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  EMBER_CHECK_STATE(requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  EMBER_CHECK_STATE(is_leaf(), "post accumulate grad hooks cannot be registered on non-leaf tensors");
  int id = detail::new_hook_id();
  impl_->meta().post_accumulate_hooks.emplace_back(id, std::move(hook));
  std::weak_ptr<TensorImpl> weak = impl_;
  return HookHandle([weak, id] {
    if (auto impl = weak.lock()) {
      auto& hs = impl->meta().post_accumulate_hooks;
      hs.erase(std::remove_if(hs.begin(), hs.end(), [id](const auto& h) { return h.first == id; }), hs.end());
    }
  });
}

// ---- elementwise ----

Tensor Tensor::add(const Tensor& other, Scalar alpha) const { return ember::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, Scalar alpha) const { return ember::sub(*this, other, alpha); }
Tensor Tensor::mul(const Tensor& other) const { return ember::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return ember::div(*this, other); }
Tensor Tensor::pow(const Tensor& exponent) const { return ember::pow(*this, exponent); }
Tensor Tensor::pow(Scalar exponent) const { return ember::pow(*this, exponent); }
Tensor Tensor::neg() const { return ember::neg(*this); }
Tensor Tensor::exp() const { return ember::exp(*this); }
Tensor Tensor::log() const { return ember::log(*this); }
Tensor Tensor::sqrt() const { return ember::sqrt(*this); }
Tensor Tensor::rsqrt() const { return ember::rsqrt(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor Tensor::sign() const { return ember::sign(*this); }
Tensor Tensor::sin() const { return ember::sin(*this); }
Tensor Tensor::cos() const { return ember::cos(*this); }
Tensor Tensor::tanh() const { return ember::tanh(*this); }
Tensor Tensor::sigmoid() const { return ember::sigmoid(*this); }
Tensor Tensor::reciprocal() const { return ember::reciprocal(*this); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const { return ember::clamp(*this, min, max); }
Tensor Tensor::maximum(const Tensor& other) const { return ember::maximum(*this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return ember::minimum(*this, other); }
Tensor Tensor::eq(const Tensor& other) const { return ember::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return ember::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return ember::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return ember::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return ember::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return ember::ge(*this, other); }
Tensor Tensor::logical_not() const { return ember::logical_not(*this); }

// ---- in place (autograd/inplace.cpp records them) ----

Tensor& Tensor::add_(const Tensor& other, Scalar alpha) {
  return apply_in_place(*this, "add_", other.requires_grad(), [&](const Tensor& s) { return ember::add(s, other, alpha); });
}
Tensor& Tensor::sub_(const Tensor& other, Scalar alpha) {
  return apply_in_place(*this, "sub_", other.requires_grad(), [&](const Tensor& s) { return ember::sub(s, other, alpha); });
}
Tensor& Tensor::mul_(const Tensor& other) {
  return apply_in_place(*this, "mul_", other.requires_grad(), [&](const Tensor& s) { return ember::mul(s, other); });
}
Tensor& Tensor::div_(const Tensor& other) {
  return apply_in_place(*this, "div_", other.requires_grad(), [&](const Tensor& s) { return ember::div(s, other); });
}
Tensor& Tensor::add_(Scalar other) { return add_(wrap_scalar(other, *this)); }
Tensor& Tensor::sub_(Scalar other) { return sub_(wrap_scalar(other, *this)); }
Tensor& Tensor::mul_(Scalar other) { return mul_(wrap_scalar(other, *this)); }
Tensor& Tensor::div_(Scalar other) { return div_(wrap_scalar(other, *this)); }
Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  return apply_in_place(*this, "clamp_", false, [&](const Tensor& s) { return ember::clamp(s, min, max); });
}
Tensor& Tensor::zero_() { return fill_(0); }
Tensor& Tensor::fill_(Scalar value) { return copy_(wrap_scalar(value, *this)); }
Tensor& Tensor::copy_(const Tensor& src) {
  if (!(GradMode::is_enabled() && (requires_grad() || src.requires_grad()))) return ember::copy_(*this, src);
  EMBER_CHECK(broadcast_shapes(src.shape(), shape(), "copy_") == shape(),
              "copy_: source of shape {} cannot be broadcast to destination shape {}", shape_str(src.shape()),
              shape_str(shape()));
  // d self = 0 (self's earlier history stays in the graph), d src = g
  return apply_in_place(*this, "copy_", src.requires_grad(), [&](const Tensor& s) {
    Tensor out;
    {
      NoGradGuard no_grad;
      out = ember::clone(ember::expand(ember::to_dtype(src, s.dtype()), s.shape()));
    }
    if (any_requires_grad({&s, &src}))
      record("CopyBackwards", {s, src}, out,
             [](const tensor_list& g) -> tensor_list { return {zeros_like(g[0]), g[0]}; }, Saves::None);
    return out;
  });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  return apply_in_place(*this, "masked_fill_", false, [&](const Tensor& s) { return ember::masked_fill(s, mask, value); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) {
  return apply_in_place(*this, "scatter_", src.requires_grad(),
                        [&](const Tensor& s) { return ember::scatter(s, dim, index, src); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, Scalar value) {
  return apply_in_place(*this, "scatter_", false, [&](const Tensor& s) { return ember::scatter(s, dim, index, value); });
}
Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source) {
  return apply_in_place(*this, "masked_scatter_", source.requires_grad(),
                        [&](const Tensor& s) { return ember::masked_scatter(s, mask, source); });
}
Tensor& Tensor::pow_(const Tensor& exponent) {
  return apply_in_place(*this, "pow_", exponent.requires_grad(), [&](const Tensor& s) { return ember::pow(s, exponent); });
}
Tensor& Tensor::pow_(Scalar exponent) {
  return apply_in_place(*this, "pow_", false, [&](const Tensor& s) { return ember::pow(s, exponent); });
}
Tensor& Tensor::neg_() { return apply_in_place(*this, "neg_", false, [](const Tensor& s) { return ember::neg(s); }); }
Tensor& Tensor::exp_() { return apply_in_place(*this, "exp_", false, [](const Tensor& s) { return ember::exp(s); }); }
Tensor& Tensor::log_() { return apply_in_place(*this, "log_", false, [](const Tensor& s) { return ember::log(s); }); }
Tensor& Tensor::sqrt_() { return apply_in_place(*this, "sqrt_", false, [](const Tensor& s) { return ember::sqrt(s); }); }
Tensor& Tensor::rsqrt_() { return apply_in_place(*this, "rsqrt_", false, [](const Tensor& s) { return ember::rsqrt(s); }); }
Tensor& Tensor::abs_() { return apply_in_place(*this, "abs_", false, [](const Tensor& s) { return ember::abs(s); }); }
Tensor& Tensor::sign_() { return apply_in_place(*this, "sign_", false, [](const Tensor& s) { return ember::sign(s); }); }
Tensor& Tensor::sin_() { return apply_in_place(*this, "sin_", false, [](const Tensor& s) { return ember::sin(s); }); }
Tensor& Tensor::cos_() { return apply_in_place(*this, "cos_", false, [](const Tensor& s) { return ember::cos(s); }); }
Tensor& Tensor::tanh_() { return apply_in_place(*this, "tanh_", false, [](const Tensor& s) { return ember::tanh(s); }); }
Tensor& Tensor::sigmoid_() {
  return apply_in_place(*this, "sigmoid_", false, [](const Tensor& s) { return ember::sigmoid(s); });
}
Tensor& Tensor::reciprocal_() {
  return apply_in_place(*this, "reciprocal_", false, [](const Tensor& s) { return ember::reciprocal(s); });
}

// ---- conversion ----
Tensor Tensor::to(Dtype dtype) const { return ember::to_dtype(*this, dtype); }
Tensor Tensor::to(Device device) const {
  EMBER_ASSERT(device.is_cpu());
  return *this;
}
Tensor Tensor::to(Device device, Dtype dtype) const { return to(device).to(dtype); }
Tensor Tensor::clone() const { return ember::clone(*this); }
Tensor Tensor::contiguous() const { return ember::contiguous(*this); }

// ---- reductions ----
Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::norm(double p, const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::norm(*this, p, dims, keepdim);
}
Tensor Tensor::norm(const std::string& p, const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::norm(*this, p, dims, keepdim);
}
Tensor Tensor::cumsum(int64_t dim) const { return ember::cumsum(*this, dim); }
Tensor Tensor::cumprod(int64_t dim) const { return ember::cumprod(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const { return ember::sort(*this, dim, descending); }
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}
Tensor Tensor::log1p() const { return ember::log1p(*this); }
Tensor Tensor::expm1() const { return ember::expm1(*this); }
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const { return ember::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const { return ember::mean(*this, dims, keepdim); }
Tensor Tensor::var(const std::vector<int64_t>& dims, int64_t correction, bool keepdim) const {
  return ember::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(const std::vector<int64_t>& dims, int64_t correction, bool keepdim) const {
  return ember::std(*this, dims, correction, keepdim);
}
Tensor Tensor::max() const { return ember::amax(*this); }
Tensor Tensor::min() const { return ember::amin(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return ember::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return ember::min(*this, dim, keepdim); }
Tensor Tensor::amax(const std::vector<int64_t>& dims, bool keepdim) const { return ember::amax(*this, dims, keepdim); }
Tensor Tensor::amin(const std::vector<int64_t>& dims, bool keepdim) const { return ember::amin(*this, dims, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return ember::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return ember::argmin(*this, dim, keepdim); }
Tensor Tensor::logsumexp(const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::logsumexp(*this, dims, keepdim);
}
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::all(const std::vector<int64_t>& dims, bool keepdim) const { return ember::all(*this, dims, keepdim); }
Tensor Tensor::any() const { return ember::any(*this); }
Tensor Tensor::any(const std::vector<int64_t>& dims, bool keepdim) const { return ember::any(*this, dims, keepdim); }

// ---- linear algebra ----
Tensor Tensor::matmul(const Tensor& other) const { return ember::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return ember::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return ember::bmm(*this, other); }

// ---- shape ----
Tensor Tensor::reshape(const Shape& shape) const { return ember::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return ember::view(*this, shape); }
Tensor Tensor::view_as(const Tensor& other) const { return ember::view_as(*this, other); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const { return ember::flatten(*this, start_dim, end_dim); }
Tensor Tensor::unflatten(int64_t dim, const Shape& sizes) const { return ember::unflatten(*this, dim, sizes); }
Tensor Tensor::squeeze() const { return ember::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return ember::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return ember::unsqueeze(*this, dim); }
Tensor Tensor::permute(const std::vector<int64_t>& dims) const { return ember::permute(*this, dims); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return ember::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const { return ember::t(*this); }
Tensor Tensor::tile(const Shape& reps) const { return ember::tile(*this, reps); }
Tensor Tensor::mT() const {
  EMBER_CHECK(dim() >= 2, "tensor.mT is only supported on matrices or batches of matrices. Got {}-D tensor.", dim());
  return ember::transpose(*this, -2, -1);
}
Tensor Tensor::tril(int64_t diagonal) const { return ember::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ember::triu(*this, diagonal); }
Tensor Tensor::expand(const Shape& shape) const { return ember::expand(*this, shape); }
Tensor Tensor::expand_as(const Tensor& other) const { return ember::expand(*this, other.shape()); }
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const { return ember::narrow(*this, dim, start, length); }
Tensor Tensor::select(int64_t dim, int64_t index) const { return ember::select(*this, dim, index); }
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) const {
  return ember::slice(*this, dim, start, stop, step);
}
tensor_list Tensor::unbind(int64_t dim) const { return ember::unbind(*this, dim); }
tensor_list Tensor::chunk(int64_t chunks, int64_t dim) const { return ember::chunk(*this, chunks, dim); }
tensor_list Tensor::split(int64_t split_size, int64_t dim) const { return ember::split(*this, split_size, dim); }
tensor_list Tensor::split(const std::vector<int64_t>& split_sizes, int64_t dim) const {
  return ember::split(*this, split_sizes, dim);
}
Tensor Tensor::flip(const std::vector<int64_t>& dims) const { return ember::flip(*this, dims); }

// ---- indexing ----
Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return ember::index(*this, indices); }
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  return ember::index_put_(*this, indices, value);
}
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, Scalar value) {
  return ember::index_put_(*this, indices, wrap_scalar(value, *this));
}
Tensor& Tensor::index_put_(const tensor_list& indices, const Tensor& values, bool accumulate) {
  return ember::index_put_(*this, indices, values, accumulate);
}
Tensor Tensor::index_put(const tensor_list& indices, const Tensor& values, bool accumulate) const {
  return ember::index_put(*this, indices, values, accumulate);
}
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return ember::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return ember::gather(*this, dim, index); }
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter_add(*this, dim, index, src);
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source) const {
  return ember::index_add(*this, dim, index, source);
}
Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const { return ember::masked_fill(*this, mask, value); }
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, Scalar value) const {
  return ember::scatter(*this, dim, index, value);
}
Tensor Tensor::masked_scatter(const Tensor& mask, const Tensor& source) const {
  return ember::masked_scatter(*this, mask, source);
}

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, wrap_scalar(b, a)); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, wrap_scalar(b, a)); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, wrap_scalar(b, a)); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, wrap_scalar(b, a)); }
Tensor operator+(Scalar a, const Tensor& b) { return add(wrap_scalar(a, b), b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(wrap_scalar(a, b), b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(wrap_scalar(a, b), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrap_scalar(a, b), b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, wrap_scalar(b, a)); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, wrap_scalar(b, a)); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, wrap_scalar(b, a)); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, wrap_scalar(b, a)); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, wrap_scalar(b, a)); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, wrap_scalar(b, a)); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, Scalar b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, Scalar b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, Scalar b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, Scalar b) { return a.div_(b); }

}  // namespace ember
