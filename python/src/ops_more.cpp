// More ember.xxx functions and Tensor methods, bound from ops/*.h as ops.cpp
// binds the others: the unary math of ops/elementwise_math.h, cumulative ops,
// sorting and searching, norms (and ember.linalg), the linalg compositions,
// linspace/logspace, meshgrid, scatter and the random in-place fills.
#include "autograd/inplace.h"
#include "bindings.h"
#include "ops/cumulative.h"
#include "ops/elementwise.h"
#include "ops/elementwise_math.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/norm_vector.h"
#include "ops/reduce.h"
#include "ops/sampling.h"
#include "ops/shape.h"
#include "ops/softmax.h"
#include "ops/sort.h"

namespace ember::python {
namespace {

// Named results, as torch.return_types.sort and friends.
py::object return_type(const char* name) {
  return py::module_::import("collections").attr("namedtuple")(name, py::make_tuple("values", "indices"),
                                                               "module"_a = "ember.return_types");
}

// A `dim` argument where None means every dim (an empty list for the norms).
std::vector<int64_t> dims_or_all(const py::object& dim) { return dim.is_none() ? std::vector<int64_t>{} : to_dims(dim); }

Tensor in_dtype(const Tensor& x, std::optional<Dtype> dtype) { return dtype ? x.to(*dtype) : x; }

// torch.norm / Tensor.norm: p a number, "fro" or "nuc".
Tensor norm_of(const Tensor& x, const py::object& p, const py::object& dim, bool keepdim, std::optional<Dtype> dtype) {
  Tensor v = in_dtype(x, dtype);
  if (py::isinstance<py::str>(p)) return norm(v, p.cast<std::string>(), dims_or_all(dim), keepdim);
  EMBER_CHECK_TYPE(!p.is_none() && PyNumber_Check(p.ptr()), "norm: expected p to be a number or 'fro'/'nuc', got {}",
                   type_name(p));
  return norm(v, p.cast<double>(), dims_or_all(dim), keepdim);
}

// A number given where PyTorch also takes one (searchsorted, bucketize): a 0-d tensor.
Tensor tensor_or_scalar(const py::object& v, const char* op, const char* arg) {
  if (py::isinstance<TensorImpl>(v)) return v.cast<Tensor>();
  EMBER_CHECK_TYPE(PyNumber_Check(v.ptr()) && !py::isinstance<py::str>(v), "{}: argument '{}' must be Tensor or a number, not {}",
                   op, arg, type_name(v));
  if (PyFloat_Check(v.ptr())) return scalar_tensor(v.cast<double>(), kFloat64);
  return scalar_tensor(v.cast<int64_t>(), kInt64);
}

void check_not_int32(bool out_int32, const char* op) {
  EMBER_CHECK(!out_int32, "{}: out_int32=True needs the int32 dtype, which ember does not have", op);
}

void bind_math(py::module_& m) {
  def_op(m, "log1p", &ember::log1p);
  def_op(m, "expm1", &ember::expm1);
  def_op(m, "log2", &ember::log2);
  def_op(m, "log10", &ember::log10);
  def_op(m, "tan", &ember::tan);
  def_op(m, "square", &ember::square);
  def_op(m, "floor", &ember::floor);
  def_op(m, "ceil", &ember::ceil);
  def_op(m, "trunc", &ember::trunc);
  def_op(m, "round", [](const Tensor& x, int64_t decimals) {
    EMBER_CHECK(decimals == 0, "round: decimals != 0 is not supported by ember, got {}", decimals);
    return ember::round(x);
  }, py::kw_only(), "decimals"_a = 0);
  def_op(m, "cumsum", &ember::cumsum, "dim"_a, py::kw_only(), "dtype"_a = py::none());
  def_op(m, "cumprod", &ember::cumprod, "dim"_a, py::kw_only(), "dtype"_a = py::none());
  // torch.softmax(input, dim, dtype=None) and the Tensor methods.
  def_op(m, "softmax", [](const Tensor& x, int64_t dim, std::optional<Dtype> dtype) {
    return softmax(x, SoftmaxFuncOptions(dim).dtype(dtype));
  }, "dim"_a, "dtype"_a = py::none());
  def_op(m, "log_softmax", [](const Tensor& x, int64_t dim, std::optional<Dtype> dtype) {
    return log_softmax(x, SoftmaxFuncOptions(dim).dtype(dtype));
  }, "dim"_a, "dtype"_a = py::none());
}

void bind_order(py::module_& m) {
  py::object sort_type = return_type("sort"), topk_type = return_type("topk");
  def_op(m, "sort", [sort_type](const Tensor& x, int64_t dim, bool descending, bool stable) {
    return sort_type(*py::cast(sort(x, dim, descending, stable)));
  }, "dim"_a = -1, "descending"_a = false, py::kw_only(), "stable"_a = false);
  def_op(m, "topk", [topk_type](const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
    return topk_type(*py::cast(topk(x, k, dim, largest, sorted)));
  }, "k"_a, "dim"_a = -1, "largest"_a = true, "sorted"_a = true);
  m.def("searchsorted", [](const Tensor& seq, const py::object& input, bool out_int32, bool right,
                           std::optional<std::string> side, std::optional<Tensor> sorter) {
    check_not_int32(out_int32, "searchsorted");
    if (side) {
      EMBER_CHECK(*side == "left" || *side == "right", "searchsorted: side can only be 'left' or 'right' but got '{}'",
                  *side);
      EMBER_CHECK(!(right && *side == "left"), "searchsorted: side and right can't be set to opposites, got side of "
                  "left while right was True");
      right = *side == "right";
    }
    Tensor sorted_seq = sorter ? seq.gather(-1, *sorter) : seq;
    return searchsorted(sorted_seq, tensor_or_scalar(input, "searchsorted", "input"), right);
  }, "sorted_sequence"_a, "input"_a, py::kw_only(), "out_int32"_a = false, "right"_a = false, "side"_a = py::none(),
        "sorter"_a = py::none());
  m.def("bucketize", [](const py::object& input, const Tensor& boundaries, bool out_int32, bool right) {
    check_not_int32(out_int32, "bucketize");
    return bucketize(tensor_or_scalar(input, "bucketize", "input"), boundaries, right);
  }, "input"_a, "boundaries"_a, py::kw_only(), "out_int32"_a = false, "right"_a = false);
  def_op(m, "unique", [](const Tensor& x, bool sorted, bool return_inverse, bool return_counts,
                         const py::object& dim) -> py::object {
    EMBER_CHECK(dim.is_none(), "unique: dim is not supported by ember (only dim=None, the flattened input)");
    auto [values, inverse, counts] = unique(x, sorted);
    if (!return_inverse && !return_counts) return py::cast(values);
    py::list out;
    out.append(values);
    if (return_inverse) out.append(inverse);
    if (return_counts) out.append(counts);
    return py::tuple(out);
  }, "sorted"_a = true, "return_inverse"_a = false, "return_counts"_a = false, "dim"_a = py::none());
}

void bind_norms(py::module_& m) {
  def_op(m, "norm", &norm_of, "p"_a = "fro", "dim"_a = py::none(), "keepdim"_a = false, "dtype"_a = py::none());
  m.def("cdist", [](const Tensor& x1, const Tensor& x2, double p, const py::object& /*compute_mode: one exact path*/) {
    return cdist(x1, x2, p);
  }, "x1"_a, "x2"_a, "p"_a = 2.0, "compute_mode"_a = py::none());
  // ember.linalg (python/ember/linalg.py takes these from ember._C._linalg).
  py::module_ la = m.def_submodule("_linalg", "torch.linalg's norms");
  la.def("vector_norm", [](const Tensor& x, double ord, const py::object& dim, bool keepdim,
                           std::optional<Dtype> dtype) {
    return linalg::vector_norm(in_dtype(x, dtype), ord, dims_or_all(dim), keepdim);
  }, "x"_a, "ord"_a = 2, "dim"_a = py::none(), "keepdim"_a = false, py::kw_only(), "dtype"_a = py::none());
  la.def("matrix_norm", [](const Tensor& a, const py::object& ord, const std::vector<int64_t>& dim, bool keepdim,
                           std::optional<Dtype> dtype) {
    Tensor v = in_dtype(a, dtype);
    if (py::isinstance<py::str>(ord)) return linalg::matrix_norm(v, ord.cast<std::string>(), dim, keepdim);
    return linalg::matrix_norm(v, ord.cast<double>(), dim, keepdim);
  }, "A"_a, "ord"_a = "fro", "dim"_a = std::vector<int64_t>{-2, -1}, "keepdim"_a = false, py::kw_only(),
        "dtype"_a = py::none());
  la.def("norm", [](const Tensor& a, const py::object& ord, const py::object& dim, bool keepdim,
                    std::optional<Dtype> dtype) {
    Tensor v = in_dtype(a, dtype);
    if (py::isinstance<py::str>(ord)) return linalg::norm(v, ord.cast<std::string>(), dims_or_all(dim), keepdim);
    std::optional<double> o = ord.is_none() ? std::nullopt : std::optional<double>(ord.cast<double>());
    return linalg::norm(v, o, dims_or_all(dim), keepdim);
  }, "A"_a, "ord"_a = py::none(), "dim"_a = py::none(), "keepdim"_a = false, py::kw_only(), "dtype"_a = py::none());
}

void bind_products(py::module_& m) {
  def_op(m, "addmm", &ember::addmm, "mat1"_a, "mat2"_a, py::kw_only(), "beta"_a = 1, "alpha"_a = 1);
  def_op(m, "baddbmm", &ember::baddbmm, "batch1"_a, "batch2"_a, py::kw_only(), "beta"_a = 1, "alpha"_a = 1);
  def_op(m, "outer", &ember::outer, "vec2"_a);
  def_op(m, "tril", &ember::tril, "diagonal"_a = 0);
  def_op(m, "triu", &ember::triu, "diagonal"_a = 0);
  // einsum("ij,jk", a, b) or einsum("ij,jk", [a, b]).
  m.def("einsum", [](const std::string& equation, const py::args& operands) {
    if (operands.size() == 1 && !py::isinstance<TensorImpl>(operands[0]))
      return einsum(equation, operands[0].cast<tensor_list>());
    return einsum(equation, operands.cast<tensor_list>());
  }, "equation"_a);
}

void bind_creation(py::module_& m) {
  m.def("linspace", [](Scalar start, Scalar end, int64_t steps, std::optional<Dtype> dtype, const py::object& device,
                       bool requires_grad) {
    return linspace(start, end, steps, options(dtype, requires_grad, device, "linspace"));
  }, "start"_a, "end"_a, "steps"_a, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  m.def("logspace", [](Scalar start, Scalar end, int64_t steps, double base, std::optional<Dtype> dtype,
                       const py::object& device, bool requires_grad) {
    return logspace(start, end, steps, base, options(dtype, requires_grad, device, "logspace"));
  }, "start"_a, "end"_a, "steps"_a, "base"_a = 10.0, py::kw_only(), "dtype"_a = py::none(), "device"_a = py::none(),
        "requires_grad"_a = false);
  // meshgrid(a, b) or meshgrid([a, b]); indexing defaults to "ij" with PyTorch's warning.
  m.def("meshgrid", [](const py::args& tensors, std::optional<std::string> indexing) {
    tensor_list in = tensors.size() == 1 && !py::isinstance<TensorImpl>(tensors[0]) ? tensors[0].cast<tensor_list>()
                                                                                     : tensors.cast<tensor_list>();
    if (!indexing && PyErr_WarnEx(PyExc_UserWarning, "torch.meshgrid: in an upcoming release, it will be required to "
                                  "pass the indexing argument.", 1) < 0)
      throw py::error_already_set();
    return py::tuple(py::cast(meshgrid(in, indexing.value_or("ij"))));
  }, py::kw_only(), "indexing"_a = py::none());
  def_method(m, "tile", [](const Tensor& x, const py::args& dims) { return tile(x, to_shape(dims)); });
  m.def("tile", &ember::tile, "input"_a, "dims"_a);
  py::object cls = m.attr("Tensor");
  // T reverses every dim (PyTorch deprecates it for other than 2 dims); mT swaps the last two.
  cls.attr("T") = py::cpp_function([](const Tensor& x) {
    if (x.dim() != 2 && PyErr_WarnEx(PyExc_UserWarning, "The use of `x.T` on tensors of dimension other than 2 to "
                                     "reverse their shape is deprecated and it will throw an error in a future release. "
                                     "Consider `x.mT` to transpose batches of matrices.", 1) < 0)
      throw py::error_already_set();
    std::vector<int64_t> dims;
    for (int64_t d = x.dim() - 1; d >= 0; --d) dims.push_back(d);
    return permute(x, dims);
  });
  cls.attr("T") = py::module_::import("builtins").attr("property")(cls.attr("T"));
  cls.attr("mT") = py::module_::import("builtins").attr("property")(py::cpp_function([](const Tensor& x) { return x.mT(); }));
  def_method(m, "uniform_", [](Tensor& x, double from, double to, const py::object& generator) -> Tensor& {
    return x.uniform_(from, to, generator.is_none() ? nullptr : generator.cast<Generator*>());
  }, "from"_a = 0.0, "to"_a = 1.0, py::kw_only(), "generator"_a = py::none());
  def_method(m, "normal_", [](Tensor& x, double mean, double std, const py::object& generator) -> Tensor& {
    return x.normal_(mean, std, generator.is_none() ? nullptr : generator.cast<Generator*>());
  }, "mean"_a = 0.0, "std"_a = 1.0, py::kw_only(), "generator"_a = py::none());
}

void check_no_reduce(const std::optional<std::string>& reduce) {
  EMBER_CHECK(!reduce, "scatter: the reduce argument is deprecated in PyTorch and not supported by ember (got '{}'); "
              "use scatter_reduce", reduce.value_or(""));
}

void bind_scatter(py::module_& m) {
  def_op(m, "scatter", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                          std::optional<std::string> reduce) {
    check_no_reduce(reduce);
    return scatter(x, dim, index, src);
  }, "dim"_a, "index"_a, "src"_a, py::kw_only(), "reduce"_a = py::none());
  def_op(m, "scatter", [](const Tensor& x, int64_t dim, const Tensor& index, Scalar value,
                          std::optional<std::string> reduce) {
    check_no_reduce(reduce);
    return scatter(x, dim, index, value);
  }, "dim"_a, "index"_a, "value"_a, py::kw_only(), "reduce"_a = py::none());
  def_method(m, "scatter_", [](Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                               std::optional<std::string> reduce) -> Tensor& {
    check_no_reduce(reduce);
    return x.scatter_(dim, index, src);
  }, "dim"_a, "index"_a, "src"_a, py::kw_only(), "reduce"_a = py::none());
  def_method(m, "scatter_", [](Tensor& x, int64_t dim, const Tensor& index, Scalar value,
                               std::optional<std::string> reduce) -> Tensor& {
    check_no_reduce(reduce);
    return x.scatter_(dim, index, value);
  }, "dim"_a, "index"_a, "value"_a, py::kw_only(), "reduce"_a = py::none());
  def_op(m, "masked_scatter", &ember::masked_scatter, "mask"_a, "source"_a);
  def_method(m, "masked_scatter_", [](Tensor& x, const Tensor& mask, const Tensor& source) -> Tensor& {
    return x.masked_scatter_(mask, source);
  }, "mask"_a, "source"_a);
}

// The second group: more math, reductions, shape and products a PyTorch user reaches for.
void bind_common(py::module_& m) {
  for (auto [name, fn] : {std::pair{"erf", &ember::erf}, {"sinh", &ember::sinh}, {"cosh", &ember::cosh},
                          {"asin", &ember::asin}, {"acos", &ember::acos}, {"atan", &ember::atan},
                          {"arcsin", &ember::asin}, {"arccos", &ember::acos}, {"arctan", &ember::atan},
                          {"isnan", &ember::isnan}, {"isinf", &ember::isinf}})
    def_op(m, name, fn);
  def_op(m, "logical_xor", &ember::logical_xor, "other"_a);
  def_op(m, "remainder", &ember::remainder, "other"_a);
  def_op(m, "remainder", [](const Tensor& a, Scalar b) { return remainder(a, wrap_scalar(b, a)); }, "other"_a);
  def_op(m, "fmod", &ember::fmod, "other"_a);
  def_op(m, "fmod", [](const Tensor& a, Scalar b) { return fmod(a, wrap_scalar(b, a)); }, "other"_a);
  py::object cls = m.attr("Tensor");
  cls.attr("__mod__") = cls.attr("remainder");
  def_op(m, "lerp", &ember::lerp, "end"_a, "weight"_a);
  def_op(m, "lerp", [](const Tensor& s, const Tensor& e, double w) { return lerp(s, e, scalar_tensor(w, s.dtype())); },
         "end"_a, "weight"_a);
  def_op(m, "nan_to_num", &ember::nan_to_num, "nan"_a = 0.0, "posinf"_a = py::none(), "neginf"_a = py::none());
  def_op(m, "clip", &ember::clamp, "min"_a = py::none(), "max"_a = py::none());
  def_method(m, "clip_", method(&Tensor::clamp_), "min"_a = py::none(), "max"_a = py::none());
  def_op(m, "nansum", [](const Tensor& x, const py::object& dim, bool keepdim) {
    return nansum(x, dims_or_all(dim), keepdim);
  }, "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "nanmean", [](const Tensor& x, const py::object& dim, bool keepdim) {
    return nanmean(x, dims_or_all(dim), keepdim);
  }, "dim"_a = py::none(), "keepdim"_a = false);
  def_op(m, "count_nonzero", [](const Tensor& x, const py::object& dim) { return count_nonzero(x, dims_or_all(dim)); },
         "dim"_a = py::none());
  def_op(m, "roll", [](const Tensor& x, const py::object& shifts, const py::object& dims) {
    return roll(x, to_dims(shifts), dims_or_all(dims));
  }, "shifts"_a, "dims"_a = py::none());
  def_op(m, "movedim", [](const Tensor& x, const py::object& s, const py::object& d) {
    return movedim(x, to_dims(s), to_dims(d));
  }, "source"_a, "destination"_a);
  def_op(m, "moveaxis", [](const Tensor& x, const py::object& s, const py::object& d) {
    return movedim(x, to_dims(s), to_dims(d));
  }, "source"_a, "destination"_a);
  m.def("hstack", &ember::hstack, "tensors"_a);
  m.def("vstack", &ember::vstack, "tensors"_a);
  def_op(m, "diag", &ember::diag, "diagonal"_a = 0);
  def_op(m, "repeat_interleave", &ember::repeat_interleave, "repeats"_a, "dim"_a = py::none());
  def_op(m, "ravel", [](const Tensor& x) { return reshape(x, {-1}); });
  def_op(m, "broadcast_to", [](const Tensor& x, const Shape& size) { return expand(x, size); }, "size"_a);
  def_method(m, "reshape_as", [](const Tensor& x, const Tensor& other) { return reshape(x, other.shape()); }, "other"_a);
  def_op(m, "dot", &ember::dot, "tensor"_a);
  def_op(m, "mv", &ember::mv, "vec"_a);
  def_op(m, "masked_select", &ember::masked_select, "mask"_a);
  // x.where(condition, y): the method form of where(condition, x, y).
  def_method(m, "where", [](const Tensor& x, const Tensor& c, const Tensor& y) { return where(c, x, y); },
             "condition"_a, "other"_a);
  def_method(m, "where", [](const Tensor& x, const Tensor& c, Scalar y) { return where(c, x, y); }, "condition"_a,
             "other"_a);
  m.def("equal", [](const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && (a.numel() == 0 || all(eq(a, b)).item<bool>());
  }, "input"_a, "other"_a);
  cls.attr("equal") = py::cpp_function([](const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && (a.numel() == 0 || all(eq(a, b)).item<bool>());
  }, py::name("equal"), py::is_method(cls), "other"_a);
}

void bind_sampling_and_in_place(py::module_& m) {
  def_op(m, "multinomial", [](const Tensor& p, int64_t num_samples, bool replacement, const py::object& generator) {
    return multinomial(p, num_samples, replacement, generator.is_none() ? nullptr : generator.cast<Generator*>());
  }, "num_samples"_a, "replacement"_a = false, py::kw_only(), "generator"_a = py::none());
  // The in-place forms of scatter_add and index_add (PyTorch's GNN and histogram idioms).
  def_method(m, "scatter_add_", [](Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) -> Tensor& {
    return apply_in_place(x, "scatter_add_", src.requires_grad(),
                          [&](const Tensor& s) { return scatter_add(s, dim, index, src); });
  }, "dim"_a, "index"_a, "src"_a);
  def_method(m, "index_add_", [](Tensor& x, int64_t dim, const Tensor& index, const Tensor& source,
                                 Scalar alpha) -> Tensor& {
    return apply_in_place(x, "index_add_", source.requires_grad(), [&](const Tensor& s) {
      return index_add(s, dim, index, alpha.to_double() == 1 ? source : source * alpha);
    });
  }, "dim"_a, "index"_a, "source"_a, py::kw_only(), "alpha"_a = 1);
}

}  // namespace

void bind_more_ops(py::module_& m) {
  bind_sampling_and_in_place(m);
  bind_common(m);
  bind_math(m);
  bind_order(m);
  bind_norms(m);
  bind_products(m);
  bind_creation(m);
  bind_scatter(m);
}

}  // namespace ember::python
