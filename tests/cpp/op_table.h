// ember's C++ op table, in the shape of tests/python/opinfo.py (PyTorch's
// OpInfo): per op a function of its tensor inputs, its sample inputs (shapes
// and values, which take gradients), an optional elementwise reference formula
// and an optional layer that computes the same op. test_op_table.cpp runs the
// generic tests over every entry: gradcheck and gradgradcheck in float64, the
// formula in float64 and float32, float32 against float64, non-contiguous
// inputs against contiguous ones, and the layer against its op. Tests that
// need more than that (running statistics, targets, special values) stay in
// the op family's own test file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace ember::test {

/// A tensor input: its shape, and its values (row-major) or, when empty, seeded normal values.
struct Arg {
  Shape shape;
  std::vector<double> values = {};
  bool grad = true;  // false: a float input that takes no gradient
};

struct SampleInput {
  std::string description;
  std::vector<Arg> args;
};

struct OpInfo {
  std::string name;
  std::function<Tensor(const tensor_list&)> op;
  std::vector<SampleInput> samples;
  /// For unary elementwise ops: the value of the op at one element, in double.
  std::function<double(double)> reference = nullptr;
  /// A layer whose forward on the first input is op (for ops of one tensor input).
  std::function<std::shared_ptr<nn::Module>()> module = nullptr;
  /// Float32 agrees with float64 to rtol 1e-5 and this absolute floor.
  double atol32 = 1e-6;
  /// Float32 agrees with the reference to rtol 1e-6 and this absolute floor.
  double reference_atol32 = 1e-12;
};

/// Every entry, in the order of the op families.
const std::vector<OpInfo>& op_db();

/// The tensors of a sample in a dtype, contiguous or each a view of every other
/// element of a wider buffer; differentiable float inputs require grad.
tensor_list make_inputs(const OpInfo& op, const SampleInput& sample, Dtype dtype, bool noncontiguous);

}  // namespace ember::test
