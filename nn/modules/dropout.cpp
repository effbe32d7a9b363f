// Dropout modules: the op with the module's training flag.
#include "nn/modules/dropout.h"

#include "nn/functional.h"

namespace ember::nn {

static void check_p(const char* op, double p) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "{}: dropout probability has to be between 0 and 1, but got {}", op, p);
}

DropoutImpl::DropoutImpl(const DropoutOptions& options_) : options(options_) { check_p("Dropout", options.p()); }

Tensor DropoutImpl::forward(const Tensor& input) {
  return functional::dropout(
      input, functional::DropoutFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}

std::string DropoutImpl::extra_repr() const {
  return "p=" + py_float(options.p()) + ", inplace=" + py_bool(options.inplace());
}

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& options_) : options(options_) {
  check_p("Dropout2d", options.p());
}

Tensor Dropout2dImpl::forward(const Tensor& input) {
  return functional::dropout2d(
      input, functional::Dropout2dFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}

std::string Dropout2dImpl::extra_repr() const {
  return "p=" + py_float(options.p()) + ", inplace=" + py_bool(options.inplace());
}

}  // namespace ember::nn
