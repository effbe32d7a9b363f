"""ember.data: the DataLoader over C++ and Python datasets (order, drop_last,
seeded shuffling, collation), the transforms against NumPy reference loops,
MNIST on tiny IDX files the test writes, and the real Fashion-MNIST files."""

import gzip
import os
import struct

import numpy as np
import pytest

import ember
from ember.data import DataLoader, Dataset, FashionMNIST, MNIST, TensorDataset
from ember.data import transforms as T

FASHION_ROOT = "/usr/share/datasets/fashion-mnist"


def numbered(n):
    return TensorDataset(ember.arange(n).float().reshape(n, 1), ember.arange(n) * 2)


def order_of(loader):
    out = []
    for x, y in loader:
        assert y.tolist() == [2 * int(v) for v in x.reshape(-1).tolist()]
        out += [int(v) for v in x.reshape(-1).tolist()]
    return out


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return ember.full((2,), float(i * i)), i

    def __len__(self):
        return self.n


def test_tensor_dataset_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(numbered(10), batch_size=4)
    assert len(loader) == 3
    sizes = [x.shape[0] for x, _ in loader]
    assert sizes == [4, 4, 2]
    assert order_of(loader) == list(range(10))


def test_drop_last_keeps_only_full_batches():
    loader = DataLoader(numbered(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert order_of(loader) == list(range(8))


def test_shuffle_is_randperm_of_the_generator_and_reproducible():
    g = ember.Generator().manual_seed(5)
    loader = DataLoader(numbered(30), batch_size=7, shuffle=True, generator=g)
    first = order_of(loader)
    assert sorted(first) == list(range(30))
    assert first == ember.randperm(30, generator=ember.Generator().manual_seed(5)).tolist()
    g.manual_seed(5)
    assert order_of(loader) == first
    ember.manual_seed(1)
    a = order_of(DataLoader(numbered(30), batch_size=7, shuffle=True))
    ember.manual_seed(1)
    assert order_of(DataLoader(numbered(30), batch_size=7, shuffle=True)) == a


def test_python_dataset_is_collated_like_pytorch_and_shuffled_like_the_cpp_loader():
    loader = DataLoader(Squares(5), batch_size=2)
    batches = list(loader)
    assert len(batches) == len(loader) == 3
    x, y = batches[0]
    assert x.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert y.dtype == ember.int64 and y.tolist() == [0, 1]
    shuffled = DataLoader(Squares(9), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(3))
    got = [i for _, y in shuffled for i in y.tolist()]
    cpp = DataLoader(numbered(9), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(3))
    assert got == order_of(cpp)


def test_breaking_out_of_the_cpp_loader_early_stops_cleanly():
    loader = DataLoader(numbered(1000), batch_size=10)
    for i, (x, _) in enumerate(loader):
        if i == 2:
            break
    assert order_of(loader) == list(range(1000))


def test_single_tensor_dataset_yields_one_element_lists():
    batches = list(DataLoader(TensorDataset(ember.zeros(5, 3)), batch_size=5))
    assert len(batches) == 1 and len(batches[0]) == 1 and batches[0][0].shape == (5, 3)


def test_tensor_dataset_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(4))


def batch(shape, lo=0.0, hi=1.0):
    n = int(np.prod(shape))
    return lo + (hi - lo) * ((np.arange(n) * 37) % n).reshape(shape) / n


def test_normalize_matches_numpy():
    x = batch((2, 3, 4, 5))
    mean, std = [0.1, 0.5, -0.2], [0.5, 2.0, 0.25]
    got = T.Normalize(mean, std)(ember.tensor(x)).numpy()
    want = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_horizontal_flip_mirrors_with_probability_one():
    x = batch((3, 2, 4, 5))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(ember.tensor(x)).numpy(), x[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(ember.tensor(x[0])).numpy(), x[0])


def test_random_crop_cuts_a_window_of_the_zero_padded_image():
    x = batch((6, 1, 5, 5), 0.1, 1.0)
    y = T.RandomCrop(5, padding=2, generator=ember.Generator().manual_seed(0))(ember.tensor(x)).numpy()
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for n in range(6):
        windows = [(i, j) for i in range(5) for j in range(5) if np.array_equal(y[n], padded[n, :, i : i + 5, j : j + 5])]
        assert len(windows) == 1


def test_color_jitter_brightness_multiplies_each_image_by_one_factor():
    x = batch((4, 3, 3, 3), 0.2, 0.4)
    y = T.ColorJitter(brightness=0.5, generator=ember.Generator().manual_seed(0))(ember.tensor(x)).numpy()
    for n in range(4):
        factor = y[n].sum() / x[n].sum()
        assert 0.5 <= factor <= 1.5
        np.testing.assert_allclose(y[n], factor * x[n], rtol=1e-12)


def test_compose_and_to_tensor():
    pic = (np.arange(2 * 3 * 3) % 256).astype(np.uint8).reshape(2, 3, 3)  # H, W, C
    t = T.ToTensor()(pic)
    assert t.shape == (3, 2, 3) and t.dtype == ember.float32
    np.testing.assert_allclose(t.numpy(), pic.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    out = T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])(pic)
    np.testing.assert_allclose(out.numpy(), (pic.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5, rtol=1e-5, atol=1e-6)


def write_tiny_mnist(root, labels):
    images = np.arange(len(labels) * 4, dtype=np.uint8).reshape(len(labels), 2, 2) * 20
    with gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, len(labels), 2, 2) + images.tobytes())
    with open(os.path.join(root, "train-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + bytes(labels))
    return images


def test_mnist_reads_tiny_idx_files(tmp_path):
    images = write_tiny_mnist(tmp_path, [3, 1, 4])
    ds = MNIST(tmp_path)
    assert len(ds) == 3
    image, label = ds[2]
    assert image.shape == (1, 2, 2) and label == 4
    np.testing.assert_allclose(ds.data.numpy()[:, 0], images / 255.0, rtol=1e-6)
    assert ds.targets.tolist() == [3, 1, 4]
    flipped = MNIST(tmp_path, transform=T.RandomHorizontalFlip(1.0))
    (x, y), = list(DataLoader(flipped, batch_size=3))
    np.testing.assert_allclose(x.numpy()[:, 0], images[..., ::-1] / 255.0, rtol=1e-6)
    # A Python callable gets the raw uint8 image, as torchvision hands it the PIL image.
    doubled = MNIST(tmp_path, transform=lambda img: ember.from_numpy(img.astype(np.float64) * 2))
    (x, y), = list(DataLoader(doubled, batch_size=3))
    np.testing.assert_array_equal(x.numpy(), images.astype(np.float64) * 2)
    assert y.tolist() == [3, 1, 4]


def test_missing_files_name_the_path_and_the_debian_package(tmp_path):
    # torchvision raises RuntimeError for a missing data set.
    with pytest.raises(RuntimeError, match="dataset-fashion-mnist"):
        FashionMNIST(tmp_path, train=False)
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte"):
        MNIST(tmp_path, train=False)


def raw_first_train_image():
    """The first training image as the IDX file stores it (uint8 28 x 28), read with gzip and NumPy."""
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        path = os.path.join(FASHION_ROOT, name)
        if os.path.exists(path):
            raw = (gzip.open if name.endswith(".gz") else open)(path, "rb").read(16 + 784)
            return np.frombuffer(raw[16:], dtype=np.uint8).reshape(28, 28).astype(np.float32)
    raise AssertionError(f"no training images in {FASHION_ROOT}")


# Not skipped when absent: scripts/install-deps installs the package, so a missing
# data set is a broken setup that must fail.
def test_real_fashion_mnist_loads_and_batches():
    assert os.path.isdir(FASHION_ROOT), f"{FASHION_ROOT} missing: install Debian's dataset-fashion-mnist (scripts/install-deps)"
    test = FashionMNIST(train=False)
    assert len(test) == 10000
    assert FashionMNIST.classes[9] == "Ankle boot"
    labels = test.targets.numpy()
    assert labels.min() == 0 and labels.max() == 9
    assert np.bincount(labels).tolist() == [1000] * 10
    augment = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.Normalize([0.2860], [0.3530])])
    loader = DataLoader(FashionMNIST(train=True, transform=augment), batch_size=256, shuffle=True, drop_last=True)
    assert len(loader) == 60000 // 256
    x, y = next(iter(loader))
    assert x.shape == (256, 1, 28, 28) and x.dtype == ember.float32
    # issue 13's silent wrong result: this was (28, 1, 28)
    tv_style = FashionMNIST(FASHION_ROOT, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]))
    assert tv_style[0][0].shape == (1, 28, 28)
    np.testing.assert_array_equal(tv_style[0][0].numpy()[0], (raw_first_train_image() / np.float32(255) - np.float32(0.5)) / np.float32(0.5))
    assert y.shape == (256,) and y.dtype == ember.int64


def test_negative_indices_count_from_the_end_and_out_of_range_ones_are_named_as_written(tmp_path):
    write_tiny_mnist(tmp_path, [3, 1, 4])
    ds = MNIST(tmp_path)
    assert ds[-1][1] == 4 and ds[-3][1] == 3
    for bad in (-4, 3, -11):
        with pytest.raises(IndexError, match=rf"index {bad} is out of range for 3 samples"):
            ds[bad]
