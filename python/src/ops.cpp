// The ops of ops/*.h as ember.xxx(input, ...) module functions and, where
// PyTorch has them, as Tensor methods; tensor creation (zeros, rand, ...),
// the random generator and the thread count.
#include "autograd/generator.h"
#include "autograd/inplace.h"
#include "autograd/threads.h"
#include "bindings.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/sort.h"
#include "ops/activation.h"

namespace ember::python {
namespace {

// torch.var's two spellings: `unbiased` (bool) or `correction` (int, wins when given).
int64_t correction_of(std::optional<bool> unbiased, std::optional<int64_t> correction) {
  return correction.value_or(unbiased.value_or(true) ? 1 : 0);
}

py::tuple as_tuple(const tensor_list& tensors) { return py::tuple(py::cast(tensors)); }

// A `dim` argument where None means every dim of x (all/any with keepdim).
std::vector<int64_t> dims_or_every(const Tensor& x, const py::object& dim) {
  if (!dim.is_none()) return to_dims(dim);
  std::vector<int64_t> every(size_t(x.dim()));
  for (int64_t d = 0; d < x.dim(); ++d) every[size_t(d)] = d;
  return every;
}

// A `generator=` keyword after *size: pybind11 (3.1) misaligns the convert flags
// of keywords that follow py::args, so a Generator* there would reject None.
Generator* to_generator(const py::object& generator) {
  if (generator.is_none()) return nullptr;
  EMBER_CHECK_TYPE(py::isinstance<Generator>(generator), "argument 'generator' must be ember.Generator, not {}",
                   py::str(py::type::of(generator).attr("__name__")).cast<std::string>());
  return generator.cast<Generator*>();
}

// PyTorch's out= keyword on the module function `name`: f(..., out=t) runs
// f(...) and writes the result into t. It is the last overload, tried only
// when no other matches, so a call without out= costs nothing more.
void add_out_variant(py::module_& m, const char* name) {
  py::object fn = m.attr(name);
  m.def(name, [fn, op = std::string(name)](const py::args& args, const py::kwargs& kwargs) -> py::object {
    if (!kwargs.contains("out"))
      throw py::type_error(fmt::format("{}(): incompatible function arguments (see help(ember.{}))", op, op));
    py::object out_obj = kwargs["out"];
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(out_obj), "{}(): argument 'out' must be Tensor, not {}", op,
                     py::str(py::type::of(out_obj).attr("__name__")).cast<std::string>());
    Tensor out = out_obj.cast<Tensor>();
    bool inputs_require_grad = false;
    auto note_input = [&](const py::handle& a) {
      if (py::isinstance<TensorImpl>(a)) inputs_require_grad |= a.cast<Tensor>().requires_grad();
    };
    for (const py::handle& a : args) note_input(a);
    py::dict rest;  // the inputs given by keyword (other=...) count too
    for (auto [k, v] : kwargs)
      if (k.cast<std::string>() != "out") {
        rest[k] = v;
        note_input(v);
      }
    check_out_allowed(op.c_str(), out, inputs_require_grad);
    Tensor result = fn(*args, **rest).cast<Tensor>();
    write_out(op.c_str(), out, result);
    return out_obj;
  });
}

void bind_elementwise(py::module_& m) {
  def_op(m, "add", &ember::add, "other"_a, py::kw_only(), "alpha"_a = 1);
  def_op(m, "add", [](const Tensor& a, Scalar b, Scalar alpha) { return add(a, wrap_scalar(b, a), alpha); },
         "other"_a, py::kw_only(), "alpha"_a = 1);
  def_op(m, "sub", &ember::sub, "other"_a, py::kw_only(), "alpha"_a = 1);
  def_op(m, "sub", [](const Tensor& a, Scalar b, Scalar alpha) { return sub(a, wrap_scalar(b, a), alpha); },
         "other"_a, py::kw_only(), "alpha"_a = 1);
  def_op(m, "mul", &ember::mul, "other"_a);
  def_op(m, "mul", [](const Tensor& a, Scalar b) { return mul(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "div", &ember::div, "other"_a);
  def_op(m, "div", [](const Tensor& a, Scalar b) { return div(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "pow", py::overload_cast<const Tensor&, const Tensor&>(&ember::pow), "exponent"_a);
  def_op(m, "pow", py::overload_cast<const Tensor&, Scalar>(&ember::pow), "exponent"_a);
  m.def("pow", py::overload_cast<Scalar, const Tensor&>(&ember::pow), "input"_a, "exponent"_a);
  def_op(m, "maximum", &ember::maximum, "other"_a);
  def_op(m, "minimum", &ember::minimum, "other"_a);
  def_op(m, "atan2", &ember::atan2, "other"_a);
  def_op(m, "arctan2", &ember::atan2, "other"_a);
  def_op(m, "isclose", &ember::isclose, "other"_a, "rtol"_a = 1e-05, "atol"_a = 1e-08, "equal_nan"_a = false);
  def_op(m, "allclose", &ember::allclose, "other"_a, "rtol"_a = 1e-05, "atol"_a = 1e-08, "equal_nan"_a = false);
  def_op(m, "relu", &ember::relu);
  def_op(m, "relu_", [](Tensor& x) -> Tensor& { return relu_(x); });

  def_op(m, "neg", &ember::neg);
  def_op(m, "exp", &ember::exp);
  def_op(m, "log", &ember::log);
  def_op(m, "sqrt", &ember::sqrt);
  def_op(m, "rsqrt", &ember::rsqrt);
  def_op(m, "abs", &ember::abs);
  def_op(m, "sign", &ember::sign);
  def_op(m, "sin", &ember::sin);
  def_op(m, "cos", &ember::cos);
  def_op(m, "tanh", &ember::tanh);
  def_op(m, "sigmoid", &ember::sigmoid);
  def_op(m, "reciprocal", &ember::reciprocal);
  def_op(m, "clamp", &ember::clamp, "min"_a = py::none(), "max"_a = py::none());

  m.def("where", py::overload_cast<const Tensor&, const Tensor&, const Tensor&>(&ember::where), "condition"_a,
        "input"_a, "other"_a);
  m.def("where", py::overload_cast<const Tensor&, const Tensor&, Scalar>(&ember::where), "condition"_a, "input"_a,
        "other"_a);
  m.def("where", [](const Tensor& c, Scalar a, const Tensor& b) { return where(c, wrap_scalar(a, b), b); },
        "condition"_a, "input"_a, "other"_a);

  def_op(m, "eq", &ember::eq, "other"_a);
  def_op(m, "eq", [](const Tensor& a, Scalar b) { return eq(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "ne", &ember::ne, "other"_a);
  def_op(m, "ne", [](const Tensor& a, Scalar b) { return ne(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "lt", &ember::lt, "other"_a);
  def_op(m, "lt", [](const Tensor& a, Scalar b) { return lt(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "le", &ember::le, "other"_a);
  def_op(m, "le", [](const Tensor& a, Scalar b) { return le(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "gt", &ember::gt, "other"_a);
  def_op(m, "gt", [](const Tensor& a, Scalar b) { return gt(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "ge", &ember::ge, "other"_a);
  def_op(m, "ge", [](const Tensor& a, Scalar b) { return ge(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "logical_not", &ember::logical_not);
  def_op(m, "logical_and", &ember::logical_and, "other"_a);
  def_op(m, "logical_or", &ember::logical_or, "other"_a);
  def_op(m, "isfinite", &ember::isfinite);
  def_op(m, "signbit", &ember::signbit);
  def_op(m, "clone", &ember::clone);

  // The functions PyTorch gives an out= keyword (not relu, not isfinite).
  for (const char* name : {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "arctan2", "neg", "exp",
                           "log", "sqrt", "rsqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "reciprocal",
                           "clamp", "where", "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and",
                           "logical_or", "signbit"})
    add_out_variant(m, name);
}

void bind_reduce(py::module_& m) {
  def_op(m, "sum", [](const Tensor& x, const py::object& dim, bool keepdim) { return sum(x, to_dims(dim), keepdim); },
         "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "mean", [](const Tensor& x, const py::object& dim, bool keepdim) { return mean(x, to_dims(dim), keepdim); },
         "dim"_a = py::none(), "keepdim"_a = false);
  // x.var(False) means unbiased=False; the bool overload comes first so it is not read as dim 0.
  def_op(m, "var", [](const Tensor& x, bool unbiased) { return var(x, {}, correction_of(unbiased, std::nullopt)); },
         "unbiased"_a);
  def_op(m, "var",
         [](const Tensor& x, const py::object& dim, std::optional<bool> unbiased, bool keepdim,
            std::optional<int64_t> correction) {
           return var(x, to_dims(dim), correction_of(unbiased, correction), keepdim);
         },
         "dim"_a = py::none(), "unbiased"_a = py::none(), "keepdim"_a = false, py::kw_only(),
         "correction"_a = py::none());
  def_op(m, "std", [](const Tensor& x, bool unbiased) { return ember::std(x, {}, correction_of(unbiased, std::nullopt)); },
         "unbiased"_a);
  def_op(m, "std",
         [](const Tensor& x, const py::object& dim, std::optional<bool> unbiased, bool keepdim,
            std::optional<int64_t> correction) {
           return ember::std(x, to_dims(dim), correction_of(unbiased, correction), keepdim);
         },
         "dim"_a = py::none(), "unbiased"_a = py::none(), "keepdim"_a = false, py::kw_only(),
         "correction"_a = py::none());
  // var_mean/std_mean return (var, mean) / (std, mean), module functions only (as in PyTorch).
  m.def("var_mean", [](const Tensor& x, bool unbiased) { return var_mean(x, {}, correction_of(unbiased, std::nullopt)); },
        "input"_a, "unbiased"_a);
  m.def("var_mean",
        [](const Tensor& x, const py::object& dim, std::optional<bool> unbiased, bool keepdim,
           std::optional<int64_t> correction) {
          return var_mean(x, to_dims(dim), correction_of(unbiased, correction), keepdim);
        },
        "input"_a, "dim"_a = py::none(), "unbiased"_a = py::none(), "keepdim"_a = false, py::kw_only(),
        "correction"_a = py::none());
  m.def("std_mean", [](const Tensor& x, bool unbiased) { return std_mean(x, {}, correction_of(unbiased, std::nullopt)); },
        "input"_a, "unbiased"_a);
  m.def("std_mean",
        [](const Tensor& x, const py::object& dim, std::optional<bool> unbiased, bool keepdim,
           std::optional<int64_t> correction) {
          return std_mean(x, to_dims(dim), correction_of(unbiased, correction), keepdim);
        },
        "input"_a, "dim"_a = py::none(), "unbiased"_a = py::none(), "keepdim"_a = false, py::kw_only(),
        "correction"_a = py::none());
  // all/any: dim=None reduces every dim, dim=() none (as torch.all/any).
  def_op(m, "all", [](const Tensor& x, const py::object& dim, bool keepdim) {
    return dim.is_none() && !keepdim ? all(x) : all(x, dims_or_every(x, dim), keepdim);
  }, "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "any", [](const Tensor& x, const py::object& dim, bool keepdim) {
    return dim.is_none() && !keepdim ? any(x) : any(x, dims_or_every(x, dim), keepdim);
  }, "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "amax", [](const Tensor& x, const py::object& dim, bool keepdim) { return amax(x, to_dims(dim), keepdim); },
         "dim"_a = py::tuple(), "keepdim"_a = false);
  def_op(m, "amin", [](const Tensor& x, const py::object& dim, bool keepdim) { return amin(x, to_dims(dim), keepdim); },
         "dim"_a = py::tuple(), "keepdim"_a = false);
  def_op(m, "logsumexp",
         [](const Tensor& x, const py::object& dim, bool keepdim) { return logsumexp(x, to_dims(dim), keepdim); },
         "dim"_a, "keepdim"_a = false);
  def_op(m, "prod", [](const Tensor& x, std::optional<Dtype> dtype) { return prod(dtype ? x.to(*dtype) : x); },
         py::kw_only(), "dtype"_a = py::none());
  def_op(m, "prod", [](const Tensor& x, int64_t dim, bool keepdim, std::optional<Dtype> dtype) {
    return prod(dtype ? x.to(*dtype) : x, dim, keepdim);
  }, "dim"_a, "keepdim"_a = false, py::kw_only(), "dtype"_a = py::none());
  def_op(m, "trace", &ember::trace);
  def_op(m, "argsort", &ember::argsort, "dim"_a = -1, "descending"_a = false, py::kw_only(), "stable"_a = false);
  m.def("isin", &ember::isin, "elements"_a, "test_elements"_a, py::kw_only(), "assume_unique"_a = false,
        "invert"_a = false);
  m.def("isin", [](const Tensor& e, Scalar t, bool assume_unique, bool invert) {
    return isin(e, wrap_scalar(t, e), assume_unique, invert);
  }, "elements"_a, "test_element"_a, py::kw_only(), "assume_unique"_a = false, "invert"_a = false);
  def_op(m, "argmax", &ember::argmax, "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "argmin", &ember::argmin, "dim"_a = py::none(), "keepdim"_a = false);

  // max(dim) and min(dim) return (values, indices) named as torch.return_types.max.
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  py::object max_type = namedtuple("max", py::make_tuple("values", "indices"), "module"_a = "ember.return_types");
  py::object min_type = namedtuple("min", py::make_tuple("values", "indices"), "module"_a = "ember.return_types");
  def_op(m, "max", [](const Tensor& x) { return amax(x); });
  def_op(m, "max",
         [max_type](const Tensor& x, int64_t dim, bool keepdim) { return max_type(*py::cast(max(x, dim, keepdim))); },
         "dim"_a, "keepdim"_a = false);
  def_op(m, "max", &ember::maximum, "other"_a);
  def_op(m, "min", [](const Tensor& x) { return amin(x); });
  def_op(m, "min",
         [min_type](const Tensor& x, int64_t dim, bool keepdim) { return min_type(*py::cast(min(x, dim, keepdim))); },
         "dim"_a, "keepdim"_a = false);
  def_op(m, "min", &ember::minimum, "other"_a);
  py::object median_type = namedtuple("median", py::make_tuple("values", "indices"), "module"_a = "ember.return_types");
  py::object nanmedian_type =
      namedtuple("nanmedian", py::make_tuple("values", "indices"), "module"_a = "ember.return_types");
  def_op(m, "median", py::overload_cast<const Tensor&>(&ember::median));
  def_op(m, "median", [median_type](const Tensor& x, int64_t dim, bool keepdim) {
    return median_type(*py::cast(median(x, dim, keepdim)));
  }, "dim"_a, "keepdim"_a = false);
  def_op(m, "nanmedian", py::overload_cast<const Tensor&>(&ember::nanmedian));
  def_op(m, "nanmedian", [nanmedian_type](const Tensor& x, int64_t dim, bool keepdim) {
    return nanmedian_type(*py::cast(nanmedian(x, dim, keepdim)));
  }, "dim"_a, "keepdim"_a = false);
}

void bind_linalg(py::module_& m) {
  def_op(m, "matmul", &ember::matmul, "other"_a);
  def_op(m, "mm", &ember::mm, "mat2"_a);
  def_op(m, "bmm", &ember::bmm, "mat2"_a);
}

void bind_shape(py::module_& m) {
  // Methods take sizes and dims as varargs or one sequence; module functions take a sequence.
  def_method(m, "reshape", [](const Tensor& x, const py::args& shape) { return reshape(x, to_shape(shape)); });
  m.def("reshape", &ember::reshape, "input"_a, "shape"_a);
  def_method(m, "view", [](const Tensor& x, const py::args& shape) { return view(x, to_shape(shape)); });
  def_method(m, "permute", [](const Tensor& x, const py::args& dims) { return permute(x, to_shape(dims)); });
  m.def("permute", &ember::permute, "input"_a, "dims"_a);
  def_method(m, "expand", [](const Tensor& x, const py::args& sizes) { return expand(x, to_shape(sizes)); });
  def_method(m, "expand_as", method(&Tensor::expand_as), "other"_a);
  def_method(m, "flip", [](const Tensor& x, const py::args& dims) { return flip(x, to_shape(dims)); });
  m.def("flip", [](const Tensor& x, const py::object& dims) { return flip(x, to_dims(dims)); }, "input"_a, "dims"_a);
  def_op(m, "flatten", &ember::flatten, "start_dim"_a = 0, "end_dim"_a = -1);
  def_op(m, "unflatten", &ember::unflatten, "dim"_a, "sizes"_a);
  def_op(m, "squeeze", py::overload_cast<const Tensor&>(&ember::squeeze));
  def_op(m, "squeeze", py::overload_cast<const Tensor&, int64_t>(&ember::squeeze), "dim"_a);
  def_op(m, "unsqueeze", &ember::unsqueeze, "dim"_a);
  def_op(m, "transpose", &ember::transpose, "dim0"_a, "dim1"_a);
  def_op(m, "t", method(&Tensor::t));
  def_op(m, "narrow", &ember::narrow, "dim"_a, "start"_a, "length"_a);
  def_op(m, "select", &ember::select, "dim"_a, "index"_a);
  def_op(m, "unbind", [](const Tensor& x, int64_t dim) { return as_tuple(unbind(x, dim)); }, "dim"_a = 0);
  def_op(m, "chunk", [](const Tensor& x, int64_t chunks, int64_t dim) { return as_tuple(chunk(x, chunks, dim)); },
         "chunks"_a, "dim"_a = 0);
  def_op(m, "split",
         [](const Tensor& x, int64_t split_size, int64_t dim) { return as_tuple(split(x, split_size, dim)); },
         "split_size_or_sections"_a, "dim"_a = 0);
  def_op(m, "split",
         [](const Tensor& x, const std::vector<int64_t>& sections, int64_t dim) {
           return as_tuple(split(x, sections, dim));
         },
         "split_size_or_sections"_a, "dim"_a = 0);
  def_op(m, "split_with_sizes",
         [](const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) { return as_tuple(split(x, sizes, dim)); },
         "split_sizes"_a, "dim"_a = 0);
  def_op(m, "unsafe_split",
         [](const Tensor& x, int64_t split_size, int64_t dim) { return as_tuple(unsafe_split(x, split_size, dim)); },
         "split_size"_a, "dim"_a = 0);
  def_op(m, "unsafe_split_with_sizes",
         [](const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
           return as_tuple(unsafe_split_with_sizes(x, sizes, dim));
         },
         "split_sizes"_a, "dim"_a = 0);
  def_op(m, "unsafe_chunk",
         [](const Tensor& x, int64_t chunks, int64_t dim) { return as_tuple(unsafe_chunk(x, chunks, dim)); },
         "chunks"_a, "dim"_a = 0);
  def_op(m, "diagonal", &ember::diagonal, "offset"_a = 0, "dim1"_a = 0, "dim2"_a = 1);
  def_method(m, "repeat", [](const Tensor& x, const py::args& sizes) { return repeat(x, to_shape(sizes)); });
  def_op(m, "as_strided", &ember::as_strided, "size"_a, "stride"_a, "storage_offset"_a = py::none());
  def_op(m, "swapdims", &ember::transpose, "dim0"_a, "dim1"_a);
  def_op(m, "swapaxes", &ember::transpose, "axis0"_a, "axis1"_a);
  // In-place view ops return self (the same Python object).
  def_method(m, "transpose_", [](Tensor& x, int64_t d0, int64_t d1) -> Tensor& { return transpose_(x, d0, d1); },
             "dim0"_a, "dim1"_a);
  def_method(m, "swapdims_", [](Tensor& x, int64_t d0, int64_t d1) -> Tensor& { return transpose_(x, d0, d1); },
             "dim0"_a, "dim1"_a);
  def_method(m, "swapaxes_", [](Tensor& x, int64_t d0, int64_t d1) -> Tensor& { return transpose_(x, d0, d1); },
             "axis0"_a, "axis1"_a);
  def_method(m, "t_", [](Tensor& x) -> Tensor& { return t_(x); });
  def_method(m, "squeeze_", [](Tensor& x) -> Tensor& { return squeeze_(x); });
  def_method(m, "squeeze_", [](Tensor& x, int64_t dim) -> Tensor& { return squeeze_(x, dim); }, "dim"_a);
  def_method(m, "unsqueeze_", [](Tensor& x, int64_t dim) -> Tensor& { return unsqueeze_(x, dim); }, "dim"_a);
  def_method(m, "as_strided_",
             [](Tensor& x, const Shape& size, const Strides& stride, std::optional<int64_t> offset) -> Tensor& {
               return as_strided_(x, size, stride, offset);
             },
             "size"_a, "stride"_a, "storage_offset"_a = py::none());
  def_method(m, "resize_", [](Tensor& x, const py::args& size) -> Tensor& { return resize_(x, to_shape(size)); });
  def_method(m, "resize_as_", [](Tensor& x, const Tensor& other) -> Tensor& { return resize_as_(x, other); },
             "the_template"_a);
  m.def("cat", &ember::cat, "tensors"_a, "dim"_a = 0);
  m.def("stack", &ember::stack, "tensors"_a, "dim"_a = 0);
}

void bind_index(py::module_& m) {
  def_op(m, "index_select", &ember::index_select, "dim"_a, "index"_a);
  def_op(m, "gather", &ember::gather, "dim"_a, "index"_a);
  def_op(m, "scatter_add", &ember::scatter_add, "dim"_a, "index"_a, "src"_a);
  def_op(m, "index_add", &ember::index_add, "dim"_a, "index"_a, "source"_a);
  def_op(m, "masked_fill", &ember::masked_fill, "mask"_a, "value"_a);
  def_op(m, "scatter_reduce", &ember::scatter_reduce, "dim"_a, "index"_a, "src"_a, "reduce"_a, py::kw_only(),
         "include_self"_a = true);
  def_op(m, "index_reduce", &ember::index_reduce, "dim"_a, "index"_a, "source"_a, "reduce"_a, py::kw_only(),
         "include_self"_a = true);
  def_op(m, "nonzero", &ember::nonzero);
  def_op(m, "index_put", py::overload_cast<const Tensor&, const tensor_list&, const Tensor&, bool>(&ember::index_put),
         "indices"_a, "values"_a, "accumulate"_a = false);
  def_method(m, "index_put_", method(py::overload_cast<const tensor_list&, const Tensor&, bool>(&Tensor::index_put_)),
             "indices"_a, "values"_a, "accumulate"_a = false);
}

void bind_factory(py::module_& m) {
  // Sizes come as varargs or one sequence; dtype, device and requires_grad are keywords.
  m.def("empty", [](const py::args& size, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return empty(to_shape(size), options(dtype, requires_grad, device, "empty"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("zeros", [](const py::args& size, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return zeros(to_shape(size), options(dtype, requires_grad, device, "zeros"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("ones", [](const py::args& size, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return ones(to_shape(size), options(dtype, requires_grad, device, "ones"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  // full infers its dtype from the fill value when none is given, as torch.full does.
  m.def("full", [](const Shape& size, Scalar fill_value, std::optional<Dtype> dtype, const py::object& device,
                   bool requires_grad) {
    Dtype inferred = fill_value.is_integral() ? kInt64 : kFloat32;
    return full(size, fill_value, options(dtype.value_or(inferred), requires_grad, device, "full"));
  }, "size"_a, "fill_value"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  m.def("arange", [](Scalar start, std::optional<Scalar> end, Scalar step, std::optional<Dtype> dtype,
                     const py::object& device, bool requires_grad) {
    TensorOptions o = options(dtype, requires_grad, device, "arange");
    return end ? arange(start, *end, step, o) : arange(0, start, step, o);
  }, "start"_a, "end"_a = py::none(), "step"_a = 1, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, std::optional<Dtype> dtype, const py::object& device,
                  bool requires_grad) {
    return eye(n, cols, options(dtype, requires_grad, device, "eye"));
  }, "n"_a, "m"_a = py::none(), py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  m.def("rand", [](const py::args& size, std::optional<Dtype> dtype, const py::object& device, bool requires_grad,
                   const py::object& generator) {
    return rand(to_shape(size), options(dtype, requires_grad, device, "rand"), to_generator(generator));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false, "generator"_a = py::none());
  m.def("randn", [](const py::args& size, std::optional<Dtype> dtype, const py::object& device, bool requires_grad,
                    const py::object& generator) {
    return randn(to_shape(size), options(dtype, requires_grad, device, "randn"), to_generator(generator));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false, "generator"_a = py::none());
  m.def("randint", [](int64_t low, int64_t high, const Shape& size, Dtype dtype, const py::object& device,
                      Generator* generator) {
    return randint(low, high, size, options(dtype, false, device, "randint"), generator);
  }, "low"_a, "high"_a, "size"_a, py::kw_only(), "dtype"_a = kInt64, "device"_a = py::none(),
        "generator"_a = py::none());
  m.def("randint", [](int64_t high, const Shape& size, Dtype dtype, const py::object& device, Generator* generator) {
    return randint(0, high, size, options(dtype, false, device, "randint"), generator);
  }, "high"_a, "size"_a, py::kw_only(), "dtype"_a = kInt64, "device"_a = py::none(), "generator"_a = py::none());
  def_op(m, "bernoulli", [](const Tensor& p, const py::object& generator) {
    return bernoulli(p, to_generator(generator));
  }, py::kw_only(), "generator"_a = py::none());
  def_method(m, "bernoulli_", [](Tensor& x, double p, const py::object& generator) -> Tensor& {
    return bernoulli_(x, p, to_generator(generator));
  }, "p"_a = 0.5, py::kw_only(), "generator"_a = py::none());
  def_method(m, "bernoulli_", [](Tensor& x, const Tensor& p, const py::object& generator) -> Tensor& {
    return bernoulli_(x, p, to_generator(generator));
  }, "p"_a, py::kw_only(), "generator"_a = py::none());
  m.def("randperm", [](int64_t n, Generator* generator, const py::object& device) {
    options(std::nullopt, false, device, "randperm");
    return randperm(n, generator);
  }, "n"_a, py::kw_only(), "generator"_a = py::none(), "device"_a = py::none());

  // *_like keep the input's dtype unless one is given.
  m.def("empty_like", [](const Tensor& t, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return empty_like(t, options(dtype.value_or(t.dtype()), requires_grad, device, "empty_like"));
  }, "input"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("zeros_like", [](const Tensor& t, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return zeros_like(t, options(dtype.value_or(t.dtype()), requires_grad, device, "zeros_like"));
  }, "input"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("ones_like", [](const Tensor& t, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return ones_like(t, options(dtype.value_or(t.dtype()), requires_grad, device, "ones_like"));
  }, "input"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("full_like", [](const Tensor& t, Scalar fill_value, std::optional<Dtype> dtype, const py::object& device,
                        bool requires_grad) {
    return full_like(t, fill_value, options(dtype.value_or(t.dtype()), requires_grad, device, "full_like"));
  }, "input"_a, "fill_value"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  m.def("rand_like", [](const Tensor& t, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return rand(t.shape(), options(dtype.value_or(t.dtype()), requires_grad, device, "rand_like"));
  }, "input"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  m.def("randn_like", [](const Tensor& t, std::optional<Dtype> dtype, const py::object& device, bool requires_grad) {
    return randn(t.shape(), options(dtype.value_or(t.dtype()), requires_grad, device, "randn_like"));
  }, "input"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);

  // new_* build a tensor of the caller's dtype unless dtype= says otherwise, as Tensor.new_zeros does in PyTorch.
  def_method(m, "new_zeros", [](const Tensor& t, const py::args& size, std::optional<Dtype> dtype,
                                const py::object& device, bool requires_grad) {
    return zeros(to_shape(size), options(dtype.value_or(t.dtype()), requires_grad, device, "new_zeros"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  def_method(m, "new_ones", [](const Tensor& t, const py::args& size, std::optional<Dtype> dtype,
                               const py::object& device, bool requires_grad) {
    return ones(to_shape(size), options(dtype.value_or(t.dtype()), requires_grad, device, "new_ones"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  def_method(m, "new_empty", [](const Tensor& t, const py::args& size, std::optional<Dtype> dtype,
                                const py::object& device, bool requires_grad) {
    return empty(to_shape(size), options(dtype.value_or(t.dtype()), requires_grad, device, "new_empty"));
  }, "dtype"_a = py::none(), "device"_a = py::none(), "requires_grad"_a = false);
  def_method(m, "new_full", [](const Tensor& t, const Shape& size, Scalar fill_value, std::optional<Dtype> dtype,
                               const py::object& device, bool requires_grad) {
    return full(size, fill_value, options(dtype.value_or(t.dtype()), requires_grad, device, "new_full"));
  }, "size"_a, "fill_value"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
     "requires_grad"_a = false);
  // ember.tensor (python/ember/_tensor.py) builds on empty; this is its int64 range check.
  m.def("_check_int64_range", &check_int64_range, "data"_a, "int64_requested"_a);
}

// ember.device: the CPU, with or without an index, as torch.device.
void bind_device(py::module_& m) {
  py::class_<Device>(m, "device", "Where a tensor lives: ember runs on the CPU only (device('cpu')).")
      .def(py::init([](const py::object& device) { return to_device(device, "device"); }), "device"_a)
      .def(py::init([](const std::string& type, int64_t index) {
             Device d = to_device(py::str(type), "device");
             EMBER_CHECK(!d.has_index(), "device: type (string) must not include an index because index was passed "
                         "explicitly: {}", type);
             return Device(d.type(), index);
           }),
           "type"_a, "index"_a)
      .def_property_readonly("type", [](const Device&) { return "cpu"; })
      .def_property_readonly("index", [](const Device& d) { return d.has_index() ? py::object(py::int_(d.index())) : py::none(); })
      .def("__eq__", [](const Device& a, const Device& b) { return a == b; }, py::is_operator())
      .def("__ne__", [](const Device& a, const Device& b) { return a != b; }, py::is_operator())
      .def("__hash__", [](const Device& d) { return std::hash<std::string>()(d.str()); })
      .def("__str__", &Device::str)
      .def("__repr__", [](const Device& d) {
        return d.has_index() ? fmt::format("device(type='cpu', index={})", d.index()) : std::string("device(type='cpu')");
      })
      .def("__reduce__", [](const py::object& self) {
        return py::make_tuple(py::type::of(self), py::make_tuple(self.cast<Device>().str()));
      });
}

void bind_random(py::module_& m) {
  py::class_<Generator>(m, "Generator", "A seeded mt19937_64 random generator (torch.Generator).")
      .def(py::init<uint64_t>(), "seed"_a = 5489)
      .def("manual_seed", [](Generator& g, uint64_t seed) -> Generator& {
        g.manual_seed(seed);
        return g;
      }, "seed"_a, py::return_value_policy::reference)
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state", [](const Generator& g) { return py::bytes(g.state()); })
      .def("set_state", [](Generator& g, const py::bytes& state) { g.set_state(state); }, "new_state"_a);
  m.attr("default_generator") = py::cast(&default_generator(), py::return_value_policy::reference);
  m.def("manual_seed", [](uint64_t seed) -> Generator& {
    manual_seed(seed);
    return default_generator();
  }, "seed"_a, py::return_value_policy::reference);
  m.def("initial_seed", [] { return default_generator().initial_seed(); });
}

}  // namespace

void bind_ops(py::module_& m) {
  bind_elementwise(m);
  bind_reduce(m);
  bind_linalg(m);
  bind_shape(m);
  bind_index(m);
  bind_factory(m);
  bind_device(m);
  bind_random(m);
  bind_more_ops(m);
  m.def("set_num_threads", &set_num_threads, "n"_a);
  m.def("get_num_threads", &get_num_threads);
  m.def("blas_core_name", &blas_core_name, "The CPU core type OpenBLAS chose (benchmarks print it).");
}

}  // namespace ember::python
