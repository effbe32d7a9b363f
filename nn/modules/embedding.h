// Embedding, as libtorch's: a (num_embeddings, embedding_dim) weight
// initialised N(0, 1) with the padding_idx row zeroed, and from_pretrained.
#pragma once

#include "nn/module.h"
#include "ops/embedding.h"

namespace ember::nn {

/// `EmbeddingOptions(10, 3).padding_idx(0)`.
struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EmbeddingOptions& padding_idx(std::optional<int64_t> v) { f_.padding_idx(v); return *this; }
  EmbeddingOptions& max_norm(std::optional<double> v) { f_.max_norm(v); return *this; }
  EmbeddingOptions& norm_type(double v) { f_.norm_type(v); return *this; }
  EmbeddingOptions& scale_grad_by_freq(bool v) { f_.scale_grad_by_freq(v); return *this; }
  EmbeddingOptions& sparse(bool v) { f_.sparse(v); return *this; }
  /// A weight to use instead of a freshly initialised one (libtorch's _weight).
  EmbeddingOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  std::optional<int64_t> padding_idx() const { return f_.padding_idx(); }
  std::optional<double> max_norm() const { return f_.max_norm(); }
  double norm_type() const { return f_.norm_type(); }
  bool scale_grad_by_freq() const { return f_.scale_grad_by_freq(); }
  bool sparse() const { return f_.sparse(); }
  const Tensor& weight() const { return weight_; }
  const EmbeddingFuncOptions& func_options() const { return f_; }

 private:
  int64_t num_embeddings_, embedding_dim_;
  EmbeddingFuncOptions f_;
  Tensor weight_;
};

/// from_pretrained's options: `EmbeddingFromPretrainedOptions().freeze(false).padding_idx(0)`.
struct EmbeddingFromPretrainedOptions {
  EmbeddingFromPretrainedOptions& freeze(bool v) { freeze_ = v; return *this; }
  EmbeddingFromPretrainedOptions& padding_idx(std::optional<int64_t> v) { f_.padding_idx(v); return *this; }
  EmbeddingFromPretrainedOptions& max_norm(std::optional<double> v) { f_.max_norm(v); return *this; }
  EmbeddingFromPretrainedOptions& norm_type(double v) { f_.norm_type(v); return *this; }
  EmbeddingFromPretrainedOptions& scale_grad_by_freq(bool v) { f_.scale_grad_by_freq(v); return *this; }
  EmbeddingFromPretrainedOptions& sparse(bool v) { f_.sparse(v); return *this; }
  bool freeze() const { return freeze_; }
  const EmbeddingFuncOptions& func_options() const { return f_; }

 private:
  bool freeze_ = true;
  EmbeddingFuncOptions f_;
};

/// input (any shape, int64) -> input.shape + (embedding_dim,).
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingImpl(const EmbeddingOptions& options);
  /// N(0, 1), then zeros in the padding_idx row.
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  EmbeddingOptions options;
  Tensor weight;
};
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  /// An Embedding whose weight is (a copy of) `embeddings` (2-d), frozen unless freeze(false).
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
};

}  // namespace ember::nn
