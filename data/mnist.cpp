// Loading the (Fashion-)MNIST IDX files and serving samples and batches.
#include "data/mnist.h"

#include <sys/stat.h>

#include <algorithm>

#include "autograd/error.h"
#include "data/idx.h"
#include "ops/factory.h"

namespace ember::data {

namespace {

// `root/stem` or `root/stem.gz`, whichever exists.
std::string find_file(const std::string& root, const std::string& stem, const char* name, const char* hint) {
  struct stat st;
  for (const char* ext : {"", ".gz"}) {
    std::string path = root + "/" + stem + ext;
    if (::stat(path.c_str(), &st) == 0) return path;
  }
  throw ValueError(fmt::format("{}: cannot find '{}/{}' (or '{}.gz'); {}", name, root, stem, stem, hint));
}

}  // namespace

MNIST::MNIST(const std::string& root, bool train, TransformPtr transform)
    : MNIST(root, train, std::move(transform), "MNIST",
            "pass the folder holding the MNIST IDX files as root (Debian has no MNIST package)") {}

MNIST::MNIST(const std::string& root, bool train, TransformPtr transform, const char* name, const char* hint)
    : transform_(std::move(transform)) {
  std::string prefix = train ? "train" : "t10k";
  std::string images_path = find_file(root, prefix + "-images-idx3-ubyte", name, hint);
  std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte", name, hint);
  IdxFile images = read_idx_file(images_path);
  IdxFile labels = read_idx_file(labels_path);
  EMBER_CHECK(images.type == IdxType::UByte && images.shape.size() == 3,
              "{}: expected '{}' to hold ubyte images (N, H, W), got type code 0x{:02x} and shape {}", name,
              images_path, unsigned(images.type), shape_str(images.shape));
  EMBER_CHECK(labels.type == IdxType::UByte && labels.shape.size() == 1,
              "{}: expected '{}' to hold ubyte labels (N), got type code 0x{:02x} and shape {}", name, labels_path,
              unsigned(labels.type), shape_str(labels.shape));
  EMBER_CHECK(images.shape[0] == labels.shape[0], "{}: '{}' holds {} images but '{}' holds {} labels", name,
              images_path, images.shape[0], labels_path, labels.shape[0]);
  auto bad = std::find_if(labels.bytes.begin(), labels.bytes.end(), [](uint8_t v) { return v > 9; });
  EMBER_CHECK(bad == labels.bytes.end(), "{}: '{}' holds label {} at position {} (expected 0..9)", name, labels_path,
              unsigned(*bad), bad - labels.bytes.begin());

  images_ = make_tensor({images.shape[0], 1, images.shape[1], images.shape[2]}, kFloat32);
  float* img = images_.data_ptr<float>();
  const uint8_t* raw = images.bytes.data();
  int64_t n = images_.numel();
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) img[i] = float(raw[i]) / 255.0f;
  targets_ = make_tensor({labels.shape[0]}, kInt64);
  std::copy(labels.bytes.begin(), labels.bytes.end(), targets_.data_ptr<int64_t>());
}

int64_t MNIST::size() const { return images_.size(0); }

Example<> MNIST::get(int64_t index) const {
  EMBER_CHECK_INDEX(index >= 0 && index < size(), "MNIST: index {} is out of range for {} samples", index, size());
  Tensor image = images_.select(0, index);
  return {transform_ ? (*transform_)(image) : image, targets_.select(0, index)};
}

Example<> MNIST::get_batch(const std::vector<int64_t>& indices) const {
  Tensor index = make_tensor({int64_t(indices.size())}, kInt64);
  std::copy(indices.begin(), indices.end(), index.data_ptr<int64_t>());
  Tensor batch = images_.index_select(0, index);
  return {transform_ ? (*transform_)(batch) : batch, targets_.index_select(0, index)};
}

FashionMNIST::FashionMNIST(const std::string& root, bool train, TransformPtr transform)
    : MNIST(root, train, std::move(transform), "FashionMNIST",
            "Debian's dataset-fashion-mnist package installs the files in /usr/share/datasets/fashion-mnist "
            "(apt-get install dataset-fashion-mnist, or scripts/install-deps)") {}

const std::vector<std::string>& FashionMNIST::classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace ember::data
