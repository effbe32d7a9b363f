// The generic tests of every entry of the C++ op table (op_table.h), as
// tests/python/test_ops.py runs them over opinfo.py.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/gradcheck.h"
#include "op_table.h"
#include "ops/factory.h"

using namespace ember;
using namespace ember::test;

namespace {

tensor_list requiring_grad(const tensor_list& inputs) {
  tensor_list out;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) out.push_back(t);
  return out;
}

// The output and the gradients of the inputs under one fixed weighting of the output.
std::vector<std::vector<double>> values_and_gradients(const OpInfo& op, const tensor_list& inputs) {
  Tensor y = op.op(inputs);
  Generator gen(99);
  Tensor weight = randn(y.shape(), y.dtype(), &gen);
  std::vector<std::vector<double>> out{y.to_vector()};
  for (const Tensor& g : autograd::grad({y}, requiring_grad(inputs), {weight})) out.push_back(g.to_vector());
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]));
  }
}

}  // namespace

TEST_CASE("table ops pass gradcheck and gradgradcheck in float64", "[op_table][gradcheck]") {
  for (const OpInfo& op : op_db()) {
    for (const SampleInput& sample : op.samples) {
      INFO(op.name << ", " << sample.description);
      tensor_list inputs = make_inputs(op, sample, kFloat64, false);
      auto fn = [&op](const tensor_list& in) { return tensor_list{op.op(in)}; };
      CHECK(autograd::gradcheck(fn, inputs));
      CHECK(autograd::gradgradcheck(fn, inputs));
    }
  }
}

TEST_CASE("table ops equal their reference formulas in float64 and float32", "[op_table]") {
  for (const OpInfo& op : op_db()) {
    if (!op.reference) continue;
    for (const SampleInput& sample : op.samples) {
      for (Dtype dtype : {kFloat64, kFloat32}) {
        INFO(op.name << ", " << sample.description << ", " << dtype_name(dtype));
        tensor_list inputs = make_inputs(op, sample, dtype, false);
        Tensor y = op.op(inputs);
        REQUIRE(y.dtype() == dtype);
        REQUIRE(y.shape() == inputs[0].shape());
        std::vector<double> x = inputs[0].to_vector(), want;
        for (double v : x) want.push_back(op.reference(v));
        check_close(y.to_vector(), want, dtype == kFloat64 ? 1e-12 : 1e-6, dtype == kFloat64 ? 1e-12 : op.reference_atol32);
      }
    }
  }
}

TEST_CASE("table ops in float32 agree with float64", "[op_table]") {
  for (const OpInfo& op : op_db()) {
    for (const SampleInput& sample : op.samples) {
      INFO(op.name << ", " << sample.description);
      Tensor y32 = op.op(make_inputs(op, sample, kFloat32, false));
      CHECK(y32.dtype() == kFloat32);
      Tensor y64 = op.op(make_inputs(op, sample, kFloat64, false));
      REQUIRE(y32.shape() == y64.shape());
      check_close(y32.to_vector(), y64.to_vector(), 1e-5, op.atol32);
    }
  }
}

TEST_CASE("table ops give the same values and gradients on non-contiguous inputs", "[op_table]") {
  for (const OpInfo& op : op_db()) {
    for (const SampleInput& sample : op.samples) {
      for (Dtype dtype : {kFloat64, kFloat32}) {
        INFO(op.name << ", " << sample.description << ", " << dtype_name(dtype));
        tensor_list strided = make_inputs(op, sample, dtype, true);
        for (const Tensor& t : strided) REQUIRE((t.numel() <= 1 || !t.is_contiguous()));
        auto got = values_and_gradients(op, strided), want = values_and_gradients(op, make_inputs(op, sample, dtype, false));
        REQUIRE(got.size() == want.size());
        for (size_t i = 0; i < got.size(); ++i) {
          INFO((i == 0 ? "output" : "gradient of input " + std::to_string(i - 1)));
          check_close(got[i], want[i], dtype == kFloat64 ? 1e-12 : 1e-5, dtype == kFloat64 ? 1e-14 : 1e-6);
        }
      }
    }
  }
}

TEST_CASE("table layers compute their op", "[op_table][layers]") {
  for (const OpInfo& op : op_db()) {
    if (!op.module) continue;
    INFO(op.name);
    tensor_list inputs = make_inputs(op, op.samples[0], kFloat64, false);
    CHECK(op.module()->call(inputs[0]).to_vector() == op.op(inputs).to_vector());
  }
}
