// Saving and loading as libtorch does it (torch::save / torch::load become
// ember::save / ember::load): a model, its optimizer, and any nested value.
// The files are ember.save files, so Python reads them with
// `model.load_state_dict(ember.load(path))` and `opt.load_state_dict(...)`.
//
//   save_load          round trip in a temporary directory, prints "ok"
//   save_load DIR      also leaves model.safetensors, optimizer.safetensors and
//                      io.safetensors ({"input", "output"}) in DIR; if DIR holds
//                      python_model.safetensors (a state dict Python saved for
//                      the same architecture), writes its output on the same
//                      input to python_output.safetensors, and with
//                      python_optimizer.safetensors (its Adam state) loads that
//                      and saves it back to python_optimizer_from_cpp.safetensors.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "ember.h"

namespace nn = ember::nn;

nn::Sequential make_model() { return nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3)); }

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "ember_save_load_example";
  fs::create_directories(dir);

  ember::manual_seed(0);
  nn::Sequential model = make_model();
  ember::optim::Adam optimizer(model->parameters(), ember::optim::AdamOptions(0.01));
  ember::Tensor x = ember::randn({5, 4});
  for (int step = 0; step < 3; ++step) {
    optimizer.zero_grad();
    model(x).pow(2).mean().backward();
    optimizer.step();
  }
  ember::save(model, (dir / "model.safetensors").string());
  ember::save(optimizer, (dir / "optimizer.safetensors").string());
  ember::Tensor y;
  {
    ember::NoGradGuard no_grad;
    y = model(x);
  }
  ember::save(ember::IValue::dict({{"input", x}, {"output", y}}), (dir / "io.safetensors").string());

  // Back into a fresh model and optimizer: the same outputs, the same optimizer state.
  ember::manual_seed(1);
  nn::Sequential restored = make_model();
  ember::optim::Adam restored_optimizer(restored->parameters(), ember::optim::AdamOptions(0.01));
  ember::load(restored, (dir / "model.safetensors").string());
  ember::load(restored_optimizer, (dir / "optimizer.safetensors").string());
  ember::NoGradGuard no_grad;
  bool same = ember::allclose(restored(x), y, /*rtol=*/0, /*atol=*/0) &&
              restored_optimizer.state_dict().metadata == optimizer.state_dict().metadata;

  fs::path from_python = dir / "python_model.safetensors";
  if (fs::exists(from_python)) {
    nn::Sequential python_model = make_model();
    ember::load(python_model, from_python.string());
    ember::save(python_model(x), (dir / "python_output.safetensors").string());
    // And an optimizer state Python saved for it, written back as C++ holds it.
    fs::path python_optimizer = dir / "python_optimizer.safetensors";
    if (fs::exists(python_optimizer)) {
      ember::optim::Adam adam(python_model->parameters(), ember::optim::AdamOptions(0.5));
      ember::load(adam, python_optimizer.string());
      ember::save(adam, (dir / "python_optimizer_from_cpp.safetensors").string());
    }
  }
  if (argc <= 1) fs::remove_all(dir);
  std::cout << (same ? "ok" : "MISMATCH") << "\n";
  return same ? 0 : 1;
}
