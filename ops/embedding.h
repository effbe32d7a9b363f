// Embedding lookup (torch.nn.functional.embedding): rows of a weight matrix
// picked by an int64 index tensor, with PyTorch's padding_idx (that row gets
// no gradient) and scale_grad_by_freq.
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember {

/// embedding's options, libtorch's F::EmbeddingFuncOptions: `EmbeddingFuncOptions().padding_idx(0)`.
/// max_norm and sparse are not supported (a ValueError says so).
struct EmbeddingFuncOptions {
  EmbeddingFuncOptions& padding_idx(std::optional<int64_t> v) { padding_idx_ = v; return *this; }
  EmbeddingFuncOptions& max_norm(std::optional<double> v) { max_norm_ = v; return *this; }
  EmbeddingFuncOptions& norm_type(double v) { norm_type_ = v; return *this; }
  EmbeddingFuncOptions& scale_grad_by_freq(bool v) { scale_grad_by_freq_ = v; return *this; }
  EmbeddingFuncOptions& sparse(bool v) { sparse_ = v; return *this; }
  std::optional<int64_t> padding_idx() const { return padding_idx_; }
  std::optional<double> max_norm() const { return max_norm_; }
  double norm_type() const { return norm_type_; }
  bool scale_grad_by_freq() const { return scale_grad_by_freq_; }
  bool sparse() const { return sparse_; }

 private:
  std::optional<int64_t> padding_idx_;
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
  bool scale_grad_by_freq_ = false;
  bool sparse_ = false;
};

/// Checks the options against a weight of `num_embeddings` rows and returns
/// padding_idx made non-negative (a negative one counts from the end).
std::optional<int64_t> embedding_check(const char* op, int64_t num_embeddings, const EmbeddingFuncOptions& options);

/// out[i..., :] = weight[input[i...], :]: input int64 of any shape, weight
/// (num_embeddings, embedding_dim) -> input.shape + (embedding_dim,).
/// d weight[r] = sum of the output gradients at the positions holding r
/// (none for r = padding_idx; divided by r's count with scale_grad_by_freq).
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

}  // namespace ember
