// Tensor printing after PyTorch's _tensor_str: one number format for the
// whole tensor (integral floats as "1.", fixed with 4 decimals, or scientific
// when the magnitudes span too much), right-aligned, summarised past 1000 elements.
#include "autograd/print.h"

#include <cmath>

#include "autograd/node.h"
#include "ops/elementwise.h"

namespace ember {
namespace {

constexpr int64_t kSummarizeThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

struct Format {
  enum Kind { Int, IntegralFloat, Fixed, Sci, Bool } kind;
  size_t width = 1;
};

std::string format_one(double v, const Format& f) {
  switch (f.kind) {
    case Format::Bool: return v != 0 ? "True" : "False";
    case Format::Int: return fmt::format("{}", int64_t(v));
    case Format::IntegralFloat:
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      return fmt::format("{:.0f}.", v);
    case Format::Fixed:
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      return fmt::format("{:.4f}", v);
    default:
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      return fmt::format("{:.4e}", v);
  }
}

Format choose_format(const std::vector<double>& values, Dtype dtype) {
  if (dtype == kBool) return {Format::Bool};
  if (dtype == kInt64) return {Format::Int};
  bool integral = true;
  double max_abs = 0, min_abs = INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    integral &= v == std::nearbyint(v);
    max_abs = std::max(max_abs, std::fabs(v));
    if (v != 0) min_abs = std::min(min_abs, std::fabs(v));
  }
  if (integral) return {max_abs > 1e8 ? Format::Sci : Format::IntegralFloat};
  if (max_abs / min_abs > 1000 || max_abs > 1e8 || min_abs < 1e-4) return {Format::Sci};
  return {Format::Fixed};
}

// Recursively prints dims; `index` walks the row-major values of the (summarised) tensor.
void print_dim(std::string& out, const Tensor& t, int64_t dim, int64_t offset, const Format& f, size_t indent,
               bool summarize, const std::function<double(int64_t)>& at) {
  int64_t n = t.size(dim);
  auto shown = [&](int64_t i) { return !summarize || n <= 2 * kEdgeItems || i < kEdgeItems || i >= n - kEdgeItems; };
  out += '[';
  bool last_dim = dim == t.dim() - 1;
  bool skipped = false;
  for (int64_t i = 0; i < n; ++i) {
    if (!shown(i)) {
      if (!skipped) {
        out += last_dim ? " ..., " : fmt::format("...,\n{}", std::string(indent + size_t(dim) + 1, ' '));
        skipped = true;
      }
      continue;
    }
    int64_t off = offset + i * t.stride(dim);
    if (last_dim) {
      std::string s = format_one(at(off), f);
      out += std::string(f.width > s.size() ? f.width - s.size() : 0, ' ') + s;
    } else {
      print_dim(out, t, dim + 1, off, f, indent, summarize, at);
    }
    if (i + 1 < n) {
      if (last_dim) out += ", ";
      else out += "," + std::string(size_t(t.dim() - dim - 1), '\n') + std::string(indent + size_t(dim) + 1, ' ');
    }
  }
  out += ']';
}

}  // namespace

std::string format_values(const Tensor& t, size_t prefix_indent) {
  Tensor c = to_dtype(t.detach(), t.dtype() == kFloat32 ? kFloat64 : t.dtype());
  auto at = [&](int64_t off) {
    return dispatch_all(c.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return double(static_cast<const T*>(c.storage()->data())[off]);
    });
  };
  std::vector<double> values;
  bool summarize = c.numel() > kSummarizeThreshold;
  // Formatting looks at every element (up to the threshold) to pick one width.
  {
    std::vector<double> all = c.to_vector();
    values = summarize ? std::vector<double>(all.begin(), all.begin() + kSummarizeThreshold) : all;
    if (summarize) values.insert(values.end(), all.end() - kSummarizeThreshold, all.end());
  }
  Format f = choose_format(values, t.dtype());
  // PyTorch sizes columns by the finite values only; nan and inf are not padded to them.
  for (double v : values)
    if (std::isfinite(v)) f.width = std::max(f.width, format_one(v, f).size());
  if (c.dim() == 0) return format_one(at(c.storage_offset()), f);
  if (c.numel() == 0) return "[]";
  std::string out;
  print_dim(out, c, 0, c.storage_offset(), f, prefix_indent, summarize, at);
  return out;
}

std::string repr(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  std::string s = "tensor(" + format_values(t, 7);
  if (t.numel() == 0 && t.dim() != 1) s += fmt::format(", size=({})", fmt::join(t.shape(), ", "));
  if (t.dtype() != kFloat32 && t.dtype() != kInt64 && t.dtype() != kBool) s += fmt::format(", dtype=ember.{}", dtype_name(t.dtype()));
  std::shared_ptr<Node> grad_fn;
  try {
    grad_fn = t.grad_fn();
  } catch (const Error&) {
    // A view whose history cannot be rebuilt (made in no_grad, its base since
    // modified in place): PyTorch prints it as invalid rather than failing.
    return s + ", grad_fn=<Invalid>)";
  }
  if (grad_fn) s += fmt::format(", grad_fn=<{}>", grad_fn->name());
  else if (t.requires_grad()) s += ", requires_grad=True";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << repr(t); }

}  // namespace ember
