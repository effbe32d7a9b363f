// nn::summary: hooks on the leaf modules record (name, type, output shape,
// parameter count) during one forward pass; the table is laid out after.
#include "nn/summary.h"

#include <algorithm>
#include <iostream>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "ops/factory.h"

namespace ember::nn {
namespace {

struct Row {
  std::string layer, shape, params;
};

// Removes the hooks and restores the training flags even if forward throws.
struct RestoreOnExit {
  std::vector<HookHandle> handles;
  std::vector<std::pair<std::shared_ptr<Module>, bool>> modes;
  ~RestoreOnExit() {
    for (auto& h : handles) h.remove();
    // Parents come before children, so each child's own flag wins.
    for (auto& [module, training] : modes) module->train(training);
  }
};

int64_t parameter_count(const Module& m, bool recurse) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters(recurse)) n += p.numel();
  return n;
}

}  // namespace

std::string group_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string summary(Module& model, const Shape& input_shape, bool print) {
  std::vector<Row> rows;
  std::unordered_set<const Module*> counted;
  {
    RestoreOnExit restore;
    OrderedDict<std::shared_ptr<Module>> named = model.named_modules();
    for (const auto& [name, module] : named) {
      restore.modes.emplace_back(module, module->is_training());
      if (!module->children().empty()) continue;
      std::string layer = (name.empty() ? module->name() : name) + " (" + module->name() + ")";
      restore.handles.push_back(
          module->register_forward_hook([&rows, &counted, layer](Module& m, const Tensor&, const Tensor& output) {
            bool first = counted.insert(&m).second;
            rows.push_back({layer, shape_str(output.shape()), group_thousands(first ? parameter_count(m, false) : 0)});
            return Tensor();
          }));
    }
    std::vector<Tensor> params = model.parameters();
    Dtype dtype = params.empty() ? kFloat32 : params.front().dtype();
    model.eval();
    NoGradGuard no_grad;
    model.call(zeros(input_shape, dtype));
  }

  int64_t total = 0, trainable = 0, bytes = 0;
  for (const Tensor& p : model.parameters()) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
    bytes += p.numel() * int64_t(element_size(p.dtype()));
  }

  const Row header{"Layer (type)", "Output Shape", "Param #"};
  size_t w_layer = header.layer.size(), w_shape = header.shape.size(), w_params = header.params.size();
  for (const Row& r : rows) {
    w_layer = std::max(w_layer, r.layer.size());
    w_shape = std::max(w_shape, r.shape.size());
    w_params = std::max(w_params, r.params.size());
  }
  // Two spaces between columns; the last column is not padded.
  auto line = [&](const Row& r) {
    return fmt::format("{:<{}}  {:<{}}  {}\n", r.layer, w_layer, r.shape, w_shape, r.params);
  };
  size_t width = w_layer + 2 + w_shape + 2 + w_params;
  std::string out = line(header) + std::string(width, '=') + "\n";
  for (const Row& r : rows) out += line(r);
  out += std::string(width, '=') + "\n";
  out += "Total params: " + group_thousands(total) + "\n";
  out += "Trainable params: " + group_thousands(trainable) + "\n";
  out += "Non-trainable params: " + group_thousands(total - trainable) + "\n";
  out += fmt::format("Params size (MB): {:.2f}\n", double(bytes) / double(1 << 20));
  out += std::string(width, '-') + "\n";
  if (print) std::cout << out << std::flush;
  return out;
}

}  // namespace ember::nn
