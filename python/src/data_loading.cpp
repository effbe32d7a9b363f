// Bindings for data loading (ember._C._data, exported by ember.data): the C++
// datasets, the DataLoader and its iterator (which waits for batches with the
// GIL released), and the image transforms. Pure-Python datasets never reach
// here: ember.data iterates them in Python.
#include "autograd/error.h"
#include "bindings.h"
#include "data/dataloader.h"
#include "data/mnist.h"
#include "data/transforms.h"

namespace ember::python {

namespace {

using namespace ember::data;

// `size` as torchvision takes it: an int (square) or a pair (h, w).
Pair to_size(const py::handle& obj, const char* op) {
  if (py::isinstance<py::int_>(obj)) return Pair(obj.cast<int64_t>());
  EMBER_CHECK_TYPE(py::isinstance<py::sequence>(obj) && py::len(obj) == 2,
                   "{}: expected size to be an int or a pair of ints (h, w), got {}", op,
                   std::string(py::repr(obj)));
  return Pair(obj[py::int_(0)].cast<int64_t>(), obj[py::int_(1)].cast<int64_t>());
}

// torchvision's interpolation argument: InterpolationMode-like objects print
// as their value; strings "nearest" / "bilinear".
Interpolation to_interpolation(const py::handle& obj, const char* op) {
  std::string name = py::isinstance<py::str>(obj) ? obj.cast<std::string>()
                     : py::hasattr(obj, "value") ? py::str(obj.attr("value")).cast<std::string>()
                                                 : std::string(py::repr(obj));
  if (name == "nearest") return Interpolation::Nearest;
  if (name == "bilinear") return Interpolation::Bilinear;
  throw ValueError(fmt::format("{}: expected interpolation 'nearest' or 'bilinear', got {}", op, name));
}

// A batch as PyTorch's default collate returns a tuple sample: a list.
py::list to_list(const Example<>& e) {
  py::list out;
  out.append(e.data);
  if (e.target.defined()) out.append(e.target);
  return out;
}

// Python's side of one epoch: begin() on the first __next__, then ++.
struct LoaderIterator {
  DataLoader* loader;
  DataLoader::Iterator it;
  bool started = false;

  py::list next() {
    {
      py::gil_scoped_release release;
      if (!started) {
        it = loader->begin();
        started = true;
      } else if (it != loader->end()) {
        ++it;
      }
    }
    if (it == loader->end()) throw py::stop_iteration();
    return to_list(*it);
  }
};

}  // namespace

void bind_data_loading(py::module_& root) {
  py::module_ m = root.def_submodule("_data", "ember's C++ datasets, DataLoader and transforms");

  py::class_<Dataset, std::shared_ptr<Dataset>>(m, "Dataset", "A C++ map-style dataset.")
      .def("__len__", &Dataset::size)
      // Python's negative indices; one out of range is named as the caller wrote it.
      .def("__getitem__",
           [](const Dataset& d, int64_t i) {
             int64_t n = d.size();
             EMBER_CHECK_INDEX(i >= -n && i < n, "dataset: index {} is out of range for {} samples", i, n);
             return to_list(d.get(i < 0 ? i + n : i));
           })
      .def("get_batch", [](const Dataset& d, const std::vector<int64_t>& indices) { return to_list(d.get_batch(indices)); },
           "indices"_a, "The samples at `indices` stacked, as a list [data, target].");

  py::class_<TensorDataset, Dataset, std::shared_ptr<TensorDataset>>(m, "TensorDataset")
      .def(py::init([](const Tensor& data, const std::optional<Tensor>& target) {
             return std::make_shared<TensorDataset>(data, target.value_or(Tensor()));
           }),
           "data"_a, "target"_a = py::none());

  m.attr("MNIST_ROOT") = kMnistRoot;
  m.attr("FASHION_MNIST_ROOT") = kFashionMnistRoot;
  py::class_<MNIST, Dataset, std::shared_ptr<MNIST>>(m, "MNIST")
      .def(py::init([](const std::optional<std::string>& root, bool train, std::shared_ptr<Transform> transform) {
             py::gil_scoped_release release;
             return std::make_shared<MNIST>(root.value_or(kMnistRoot), train, std::move(transform));
           }),
           "root"_a = py::none(), "train"_a = true, "transform"_a = py::none(), py::keep_alive<1, 4>())
      .def_property_readonly("images", &MNIST::images)
      .def_property_readonly("targets", &MNIST::targets);
  py::class_<FashionMNIST, MNIST, std::shared_ptr<FashionMNIST>>(m, "FashionMNIST")
      .def(py::init([](const std::optional<std::string>& root, bool train, std::shared_ptr<Transform> transform) {
             py::gil_scoped_release release;
             return std::make_shared<FashionMNIST>(root.value_or(kFashionMnistRoot), train, std::move(transform));
           }),
           "root"_a = py::none(), "train"_a = true, "transform"_a = py::none(), py::keep_alive<1, 4>())
      .def_property_readonly_static("classes", [](const py::object&) { return FashionMNIST::classes(); });

  py::class_<DataLoader>(m, "DataLoader")
      .def(py::init([](std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, bool drop_last,
                       Generator* generator, std::optional<uint64_t> seed, int64_t num_replicas, int64_t rank) {
             DataLoaderOptions o(batch_size);
             o.shuffle(shuffle).drop_last(drop_last).generator(generator).num_replicas(num_replicas).rank(rank);
             if (seed) o.seed(*seed);
             return std::make_unique<DataLoader>(std::move(dataset), o);
           }),
           "dataset"_a, "batch_size"_a = 1, "shuffle"_a = false, "drop_last"_a = false, "generator"_a = py::none(),
           "seed"_a = py::none(), "num_replicas"_a = 1, "rank"_a = 0, py::keep_alive<1, 6>())
      .def("__len__", &DataLoader::size)
      .def("__iter__", [](DataLoader& l) { return LoaderIterator{&l, {}, false}; }, py::keep_alive<0, 1>());
  py::class_<LoaderIterator>(m, "_DataLoaderIterator")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &LoaderIterator::next);

  py::class_<Transform, std::shared_ptr<Transform>>(m, "Transform", "An image transform over (C, H, W) or (N, C, H, W).")
      .def("__call__", [](const Transform& t, const Tensor& x) {
             py::gil_scoped_release release;
             return t(x);
           }, "x"_a);
  py::class_<Compose, Transform, std::shared_ptr<Compose>>(m, "Compose")
      .def(py::init<std::vector<TransformPtr>>(), "transforms"_a)
      .def_property_readonly("transforms", &Compose::transforms);
  py::class_<Normalize, Transform, std::shared_ptr<Normalize>>(m, "Normalize")
      .def(py::init<std::vector<double>, std::vector<double>>(), "mean"_a, "std"_a);
  py::class_<RandomHorizontalFlip, Transform, std::shared_ptr<RandomHorizontalFlip>>(m, "RandomHorizontalFlip")
      .def(py::init<double, Generator*>(), "p"_a = 0.5, "generator"_a = py::none(), py::keep_alive<1, 3>());
  py::class_<RandomCrop, Transform, std::shared_ptr<RandomCrop>>(m, "RandomCrop")
      .def(py::init([](const py::object& size, int64_t padding, Generator* gen) {
             return std::make_shared<RandomCrop>(to_size(size, "RandomCrop"), padding, gen);
           }),
           "size"_a, "padding"_a = 0, "generator"_a = py::none(), py::keep_alive<1, 4>());
  py::class_<Resize, Transform, std::shared_ptr<Resize>>(m, "Resize")
      .def(py::init([](const py::object& size, const py::object& interpolation, std::optional<int64_t> max_size,
                       std::optional<bool> antialias) {
             std::vector<int64_t> s = py::isinstance<py::int_>(size) ? std::vector<int64_t>{size.cast<int64_t>()}
                                                                      : size.cast<std::vector<int64_t>>();
             return std::make_shared<Resize>(s, to_interpolation(interpolation, "Resize"), max_size,
                                             antialias.value_or(true));
           }),
           "size"_a, "interpolation"_a = "bilinear", "max_size"_a = py::none(), "antialias"_a = true);
  py::class_<CenterCrop, Transform, std::shared_ptr<CenterCrop>>(m, "CenterCrop")
      .def(py::init([](const py::object& size) { return std::make_shared<CenterCrop>(to_size(size, "CenterCrop")); }),
           "size"_a);
  py::class_<RandomRotation, Transform, std::shared_ptr<RandomRotation>>(m, "RandomRotation")
      .def(py::init([](const py::object& degrees, const py::object& interpolation, bool expand,
                       std::optional<std::pair<double, double>> center, const py::object& fill, Generator* gen) {
             std::pair<double, double> d;
             if (py::isinstance<py::sequence>(degrees)) {
               EMBER_CHECK(py::len(degrees) == 2, "If degrees is a sequence, it must be of len 2.");
               d = degrees.cast<std::pair<double, double>>();
             } else {
               double v = degrees.cast<double>();
               EMBER_CHECK(v >= 0, "If degrees is a single number, it must be positive.");
               d = {-v, v};
             }
             EMBER_CHECK(to_interpolation(interpolation, "RandomRotation") == Interpolation::Nearest,
                         "RandomRotation: only interpolation 'nearest' is implemented, got {}",
                         std::string(py::str(interpolation)));
             EMBER_CHECK(!expand, "RandomRotation: expand=True is not implemented (the output keeps the input's size)");
             std::vector<double> f = py::isinstance<py::sequence>(fill) ? fill.cast<std::vector<double>>()
                                                                        : std::vector<double>{fill.cast<double>()};
             return std::make_shared<RandomRotation>(d, f, center, gen);
           }),
           "degrees"_a, "interpolation"_a = "nearest", "expand"_a = false, "center"_a = py::none(), "fill"_a = 0,
           "generator"_a = py::none(), py::keep_alive<1, 7>())
      .def("rotate", &RandomRotation::rotate, "x"_a, "angle"_a, "The image(s) rotated by exactly `angle` degrees.");
  py::class_<RandomResizedCrop, Transform, std::shared_ptr<RandomResizedCrop>>(m, "RandomResizedCrop")
      .def(py::init([](const py::object& size, std::pair<double, double> scale, std::pair<double, double> ratio,
                       Generator* gen) {
             return std::make_shared<RandomResizedCrop>(to_size(size, "RandomResizedCrop"), scale, ratio, gen);
           }),
           "size"_a, "scale"_a = std::make_pair(0.08, 1.0), "ratio"_a = std::make_pair(3.0 / 4.0, 4.0 / 3.0),
           "generator"_a = py::none(), py::keep_alive<1, 5>());
  py::class_<ColorJitter, Transform, std::shared_ptr<ColorJitter>>(m, "ColorJitter")
      .def(py::init<double, double, Generator*>(), "brightness"_a = 0.0, "contrast"_a = 0.0,
           "generator"_a = py::none(), py::keep_alive<1, 4>());
}

}  // namespace ember::python
