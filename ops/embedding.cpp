// embedding: the forward is index_select of the flattened indices; its
// backward, recorded here because padding_idx and scale_grad_by_freq weight
// the rows, is an index_add of the (weighted) gradient rows, itself
// differentiable in the gradient, so double backward works.
#include "ops/embedding.h"

#include <unordered_map>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape.h"

namespace ember {

std::optional<int64_t> embedding_check(const char* op, int64_t num_embeddings, const EmbeddingFuncOptions& o) {
  EMBER_CHECK(!o.max_norm(), "{}: max_norm is not supported; renormalise the weight's rows yourself", op);
  EMBER_CHECK(!o.sparse(), "{}: sparse gradients are not supported; use sparse=False", op);
  std::optional<int64_t> pad = o.padding_idx();
  if (pad) {
    EMBER_CHECK(*pad < num_embeddings && *pad >= -num_embeddings,
                "{}: padding_idx must be within num_embeddings, got padding_idx={} for num_embeddings={}", op, *pad,
                num_embeddings);
    if (*pad < 0) *pad += num_embeddings;
  }
  return pad;
}

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  EMBER_CHECK(input.defined() && weight.defined(), "embedding: expected defined input and weight tensors");
  EMBER_CHECK_TYPE(input.dtype() == kInt64, "embedding: expected input (the indices) of dtype int64, got {}",
                   input.dtype());
  check_floating("embedding", weight, "weight");
  EMBER_CHECK(weight.dim() == 2, "embedding: expected weight to be 2-d (num_embeddings, embedding_dim), got {}",
              shape_str(weight.shape()));
  const int64_t rows = weight.shape()[0], D = weight.shape()[1];
  const std::optional<int64_t> pad = embedding_check("embedding", rows, options);
  Tensor flat = contiguous_data(reshape(input, {input.numel()}));
  const int64_t* idx = flat.data_ptr<int64_t>();
  const int64_t L = flat.numel();
  for (int64_t i = 0; i < L; ++i)
    EMBER_CHECK_INDEX(idx[i] >= 0 && idx[i] < rows, "embedding: index {} is out of range for a weight of {} rows",
                      idx[i], rows);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = index_select(weight, 0, flat);
  }
  if (any_requires_grad({&weight})) {
    // Each position's gradient weight: 0 at padding_idx, 1 / count with scale_grad_by_freq.
    Tensor scale;
    if (pad || options.scale_grad_by_freq()) {
      std::unordered_map<int64_t, int64_t> count;
      if (options.scale_grad_by_freq())
        for (int64_t i = 0; i < L; ++i) ++count[idx[i]];
      std::vector<double> s(size_t(L), 1.0);
      for (int64_t i = 0; i < L; ++i) {
        if (pad && idx[i] == *pad) s[size_t(i)] = 0.0;
        else if (options.scale_grad_by_freq()) s[size_t(i)] = 1.0 / double(count[idx[i]]);
      }
      scale = tensor(s, {L, 1}, weight.dtype());
    }
    const Shape wshape = weight.shape();
    const Dtype dtype = weight.dtype();
    record("EmbeddingBackward0", {weight}, out, [flat, scale, wshape, dtype](const tensor_list& g) -> tensor_list {
      Tensor rows_grad = scale.defined() ? g[0] * scale : g[0];
      return {index_add(zeros(wshape, dtype), 0, flat, rows_grad)};
    });
  }
  Shape shape = input.shape();
  shape.push_back(D);
  return reshape(out, shape);
}

}  // namespace ember
