// libtorch's torch::data::transforms, spelled ember::data::transforms: the
// transforms a `dataset.map(...)` applies to the Examples of a batch.
// Normalize<> runs ember's Normalize kernel (data/transforms.h) on each
// image; Stack<> turns a batch's vector of Examples into one Example of
// stacked tensors.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"
#include "ops/shape.h"

namespace ember::data::transforms {

/// Maps a whole batch (`InputBatch`, usually std::vector<Example<>>) to another.
template <typename InputBatch, typename OutputBatch>
class BatchTransform {
 public:
  using InputBatchType = InputBatch;
  using OutputBatchType = OutputBatch;
  virtual ~BatchTransform() = default;
  virtual OutputBatch apply_batch(InputBatch input_batch) = 0;
};

/// Maps each example of a batch: implement apply.
template <typename Input, typename Output>
class Transform : public BatchTransform<std::vector<Input>, std::vector<Output>> {
 public:
  using InputType = Input;
  using OutputType = Output;
  virtual Output apply(Input input) = 0;
  std::vector<Output> apply_batch(std::vector<Input> input_batch) override {
    std::vector<Output> out;
    out.reserve(input_batch.size());
    for (auto& e : input_batch) out.push_back(apply(std::move(e)));
    return out;
  }
};

/// A Transform of an Example's data tensor, the target passed through: implement operator().
template <typename Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;
  virtual Tensor operator()(Tensor input) = 0;
  E apply(E input) override { return {(*this)(std::move(input.data)), std::move(input.target)}; }
};

/// A TensorTransform from a function: `TensorLambda<>([](Tensor x) { return x * 2; })`.
template <typename Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  explicit TensorLambda(std::function<Tensor(Tensor)> f) : f_(std::move(f)) {}
  Tensor operator()(Tensor input) override { return f_(std::move(input)); }

 private:
  std::function<Tensor(Tensor)> f_;
};

/// A Transform from a function of one example.
template <typename Input, typename Output = Input>
class Lambda : public Transform<Input, Output> {
 public:
  explicit Lambda(std::function<Output(Input)> f) : f_(std::move(f)) {}
  Output apply(Input input) override { return f_(std::move(input)); }

 private:
  std::function<Output(Input)> f_;
};

/// A BatchTransform from a function of the whole batch.
template <typename Input, typename Output>
class BatchLambda : public BatchTransform<Input, Output> {
 public:
  explicit BatchLambda(std::function<Output(Input)> f) : f_(std::move(f)) {}
  Output apply_batch(Input input) override { return f_(std::move(input)); }

 private:
  std::function<Output(Input)> f_;
};

/// (x - mean[c]) / stddev[c] per channel of each (C, H, W) or (N, C, H, W) float
/// image: `Normalize<>(0.1307, 0.3081)` or `Normalize<>({0.5, 0.5, 0.5}, {0.2, 0.2, 0.2})`.
template <typename Target = Tensor>
class Normalize : public TensorTransform<Target> {
 public:
  Normalize(double mean, double stddev) : Normalize(std::vector<double>{mean}, std::vector<double>{stddev}) {}
  Normalize(std::vector<double> mean, std::vector<double> stddev) : kernel_(std::move(mean), std::move(stddev)) {}
  Tensor operator()(Tensor input) override { return kernel_(input); }

 private:
  data::Normalize kernel_;
};

/// Collates a batch of Examples into one Example of stacked data and targets
/// (a new first dimension). Targets must be all defined or all undefined.
template <typename E = Example<>>
struct Stack;

template <typename Data, typename Target>
struct Stack<Example<Data, Target>> : public BatchTransform<std::vector<Example<Data, Target>>, Example<Data, Target>> {
  Example<Data, Target> apply_batch(std::vector<Example<Data, Target>> examples) override {
    tensor_list data, targets;
    data.reserve(examples.size());
    for (auto& e : examples) {
      data.push_back(std::move(e.data));
      if (e.target.defined()) targets.push_back(std::move(e.target));
    }
    EMBER_CHECK(targets.empty() || targets.size() == data.size(),
                "Stack: some examples of the batch have a target and some do not");
    return {stack(data), targets.empty() ? Tensor() : stack(targets)};
  }
};

}  // namespace ember::data::transforms
