// The README's model example: a CNN defined with ember::nn, its summary, and
// its weights saved as safetensors for PyTorch (or ember Python) to load.
#include <iostream>

#include "ember.h"

namespace nn = ember::nn;

int main() {
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::BatchNorm2d(32), nn::ReLU(),
                       nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(), nn::Linear(32 * 14 * 14, 10));
  std::cout << nn::summary(*model, {1, 1, 28, 28});
  ember::Tensor logits = model(ember::randn({8, 1, 28, 28}));
  std::cout << "logits " << ember::shape_str(logits.shape()) << "\n";  // logits [8, 10]

  std::map<std::string, ember::Tensor> weights;
  for (const auto& [name, tensor] : model->state_dict()) weights[name] = tensor;
  ember::save_file(weights, "model_example.safetensors");  // keys 0.weight, 1.running_mean, ... as in PyTorch
  model->load_state_dict(ember::load_file("model_example.safetensors"));
  std::remove("model_example.safetensors");
}
