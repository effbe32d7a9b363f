// Embedding: construction checks, PyTorch's initialisation and repr.
#include "nn/modules/embedding.h"

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "nn/init.h"
#include "ops/factory.h"
#include "ops/shape.h"

namespace ember::nn {

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& options_) : options(options_) {
  const auto& o = options;
  EMBER_CHECK(o.num_embeddings() > 0 && o.embedding_dim() >= 0,
              "Embedding: expected num_embeddings > 0 and embedding_dim >= 0, got {} and {}", o.num_embeddings(),
              o.embedding_dim());
  options.padding_idx(embedding_check("Embedding", o.num_embeddings(), o.func_options()));
  if (o.weight().defined()) {
    EMBER_CHECK(o.weight().shape() == Shape({o.num_embeddings(), o.embedding_dim()}),
                "Embedding: expected a weight of shape [{}, {}], got {}", o.num_embeddings(), o.embedding_dim(),
                shape_str(o.weight().shape()));
    weight = register_parameter("weight", o.weight().detach());  // shares the given storage, as PyTorch
  } else {
    weight = register_parameter("weight", empty({o.num_embeddings(), o.embedding_dim()}));
    reset_parameters();
  }
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    Tensor row = select(weight, 0, *options.padding_idx());
    init::zeros_(row);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& input) { return embedding(input, weight, options.func_options()); }

std::string EmbeddingImpl::extra_repr() const {
  const auto& o = options;
  std::string s = fmt::format("{}, {}", o.num_embeddings(), o.embedding_dim());
  if (o.padding_idx()) s += fmt::format(", padding_idx={}", *o.padding_idx());
  if (o.norm_type() != 2.0) s += ", norm_type=" + py_float(o.norm_type());
  if (o.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  return s;
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  EMBER_CHECK(embeddings.defined() && embeddings.dim() == 2,
              "Embedding.from_pretrained: expected embeddings to be 2-d, got {}",
              embeddings.defined() ? shape_str(embeddings.shape()) : "an undefined tensor");
  const auto& f = options.func_options();
  Embedding e(EmbeddingOptions(embeddings.shape()[0], embeddings.shape()[1])
                  .padding_idx(f.padding_idx())
                  .max_norm(f.max_norm())
                  .norm_type(f.norm_type())
                  .scale_grad_by_freq(f.scale_grad_by_freq())
                  .sparse(f.sparse())
                  .weight(embeddings));
  e->weight.requires_grad_(!options.freeze());
  return e;
}

}  // namespace ember::nn
