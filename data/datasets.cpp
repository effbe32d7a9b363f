// datasets::MNIST: libtorch's face of ember::data::MNIST.
#include "data/datasets.h"

#include "autograd/error.h"

namespace ember::data::datasets {

MNIST::MNIST(const std::string& root, Mode mode)
    : data_(std::make_shared<const data::MNIST>(root, mode == Mode::kTrain)), train_(mode == Mode::kTrain) {}

Example<> MNIST::get(size_t index) { return data_->get(int64_t(index)); }

std::optional<size_t> MNIST::size() const { return size_t(data_->size()); }

const Tensor& MNIST::images() const { return data_->images(); }

const Tensor& MNIST::targets() const { return data_->targets(); }

}  // namespace ember::data::datasets
