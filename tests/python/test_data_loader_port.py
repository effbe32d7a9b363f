"""ember.utils.data against torch.utils.data: the public-API tests of
pytorch/pytorch test/test_dataloader.py that apply to an in-process loader
(TestTensorDataset, TestDataLoader's sequential/shuffle/len/numpy/error cases,
TestDictDataLoader, TestStringDataLoader, TestConcatDataset, random_split,
the samplers), and PyTorch's argument checks, each compared with what torch
itself does on the same call."""

import math
import re
from collections import namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud
from ember.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)


def test_module_path_is_ember_data():
    import ember.data

    for name in ["DataLoader", "Dataset", "TensorDataset", "random_split", "Subset", "ConcatDataset",
                 "RandomSampler", "SequentialSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                 "BatchSampler", "default_collate", "Sampler", "IterableDataset", "get_worker_info"]:
        assert getattr(eud, name) is getattr(ember.data, name)
        assert hasattr(tud, name)  # the same names PyTorch has
    assert ember.utils.data is eud


# --- TestTensorDataset ---

def test_tensor_dataset_len_and_getitem():
    t, lab = np.random.default_rng(0).standard_normal((15, 10, 2, 3)), np.random.default_rng(1).standard_normal((15, 10))
    source = TensorDataset(ember.tensor(t), ember.tensor(lab))
    assert len(source) == 15
    for i in range(15):
        np.testing.assert_array_equal(source[i][0].numpy(), t[i])
        np.testing.assert_array_equal(source[i][1].numpy(), lab[i])
    one_d = TensorDataset(ember.tensor(t[:, 0, 0, 0]), ember.tensor(lab[:, 0]))
    assert [float(one_d[i][0]) for i in range(15)] == t[:, 0, 0, 0].tolist()


# --- TestDataLoader ---

DATA = np.random.default_rng(2).standard_normal((100, 2, 3, 5))
LABELS = np.tile(np.random.default_rng(3).permutation(50), 2)


def dataset():
    return TensorDataset(ember.tensor(DATA), ember.tensor(LABELS.tolist()))


def check_sequential(loader):
    batch_size = loader.batch_size
    i = -1
    for i, (sample, target) in enumerate(loader):
        idx = i * batch_size
        np.testing.assert_array_equal(sample.numpy(), DATA[idx: idx + batch_size])
        assert target.tolist() == LABELS[idx: idx + batch_size].tolist()
    assert i == math.floor((len(loader.dataset) - 1) / batch_size)


def check_shuffle(loader):
    seen = []
    for samples, targets in loader:
        for s, t in zip(samples.numpy(), targets.tolist()):
            (idx,) = np.nonzero((DATA == s).all(axis=(1, 2, 3)))[0]
            assert t == LABELS[idx]
            seen.append(int(idx))
    assert sorted(seen) == list(range(100))
    return seen


@pytest.mark.parametrize("workers", [0, 4])
@pytest.mark.parametrize("batch_size", [1, 2])
def test_sequential_and_shuffled_batches(workers, batch_size):
    check_sequential(DataLoader(dataset(), batch_size=batch_size, num_workers=workers))
    check_shuffle(DataLoader(dataset(), batch_size=batch_size, shuffle=True, num_workers=workers))


def test_workers_give_the_same_batches_as_the_main_process():
    def order(**kw):
        return check_shuffle(DataLoader(dataset(), batch_size=7, shuffle=True,
                                        generator=ember.Generator().manual_seed(11), **kw))
    base = order()
    assert order(num_workers=3) == base
    assert order(num_workers=2, prefetch_factor=4, persistent_workers=True, pin_memory=True, timeout=5) == base


def test_len_matches_torch():
    for bs, drop in [(1, False), (2, False), (3, False), (3, True), (7, True)]:
        e = DataLoader(dataset(), batch_size=bs, drop_last=drop)
        t = tud.DataLoader(tud.TensorDataset(torch.tensor(DATA)), batch_size=bs, drop_last=drop)
        assert len(e) == len(t) == sum(1 for _ in e)


def test_numpy_samples_are_collated_into_a_double_tensor():
    class NumpyDataset(Dataset):
        def __getitem__(self, i):
            return np.ones((2, 3, 4)) * i

        def __len__(self):
            return 1000

    batch = next(iter(DataLoader(NumpyDataset(), batch_size=12)))
    assert batch.dtype == ember.float64 and batch.shape == (12, 2, 3, 4)
    np.testing.assert_array_equal(batch.numpy()[:, 0, 0, 0], np.arange(12.0))


def test_error_in_getitem_propagates():
    class ErrorDataset(Dataset):
        def __len__(self):
            return 10

    with pytest.raises(NotImplementedError):
        next(iter(DataLoader(ErrorDataset(), batch_size=2, shuffle=True)))


class DictDataset(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, ndx):
        return {"a_tensor": ember.full((4, 2), float(ndx)), "another_dict": {"a_number": ndx}}


def test_dict_batches():
    loader = DataLoader(DictDataset(), batch_size=2, shuffle=False)
    for i, sample in enumerate(loader):
        idx = i * 2
        assert set(sample) == {"a_tensor", "another_dict"} and set(sample["another_dict"]) == {"a_number"}
        t = sample["a_tensor"]
        assert t.shape == (2, 4, 2) and (t[0] == idx).all() and (t[1] == idx + 1).all()
        assert sample["another_dict"]["a_number"].tolist() == [idx, idx + 1]


def test_strings_stay_strings():
    class StringDataset(Dataset):
        s = "12345"

        def __len__(self):
            return 5

        def __getitem__(self, ndx):
            return (self.s[ndx], ndx)

    for s, n in DataLoader(StringDataset(), batch_size=2, shuffle=True):
        assert all(isinstance(c, str) for c in s) and [int(c) - 1 for c in s] == n.tolist()


def test_default_collate_matches_torch():
    Point = namedtuple("Point", "x y")
    cases = [
        [1, 2, 3],
        [1.5, 2.5],
        [True, False],
        [(1, 2.0), (3, 4.0)],
        [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
        [Point(1, 2), Point(3, 4)],
        [np.float64(1.5), np.float64(2.5)],
        [np.arange(3.0), np.arange(3.0) + 1],
        ["a", "b"],
    ]

    def plain(x):
        if isinstance(x, (torch.Tensor, ember.Tensor)):
            return (str(x.dtype).split(".")[-1], x.tolist())
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return (type(x).__name__, [plain(v) for v in x])
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        return x

    for batch in cases:
        assert plain(default_collate(batch)) == plain(tud.default_collate(batch)), batch
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def test_batch_size_none_yields_converted_samples():
    class Numpy(Dataset):
        def __getitem__(self, i):
            return np.full(2, i, dtype=np.int64)

        def __len__(self):
            return 3

    e = [x.tolist() for x in DataLoader(Numpy(), batch_size=None)]
    t = [x.tolist() for x in tud.DataLoader(Numpy(), batch_size=None)]
    assert e == t == [[0, 0], [1, 1], [2, 2]]


def test_sampler_and_batch_sampler_arguments():
    ds = dataset()
    check_sequential(DataLoader(ds, batch_size=4, sampler=SequentialSampler(ds)))
    got = [y.tolist() for _, y in DataLoader(ds, batch_sampler=[[3, 1], [0]])]
    assert got == [[LABELS[3], LABELS[1]], [LABELS[0]]]
    loader = DataLoader(ds, sampler=SubsetRandomSampler([5, 6, 7], generator=ember.Generator().manual_seed(0)),
                        batch_size=2)
    assert sorted(i for _, y in loader for i in y.tolist()) == sorted(LABELS[[5, 6, 7]].tolist())
    collated = list(DataLoader(ds, batch_size=3, collate_fn=lambda b: len(b)))
    assert collated == [3] * 33 + [1]


def test_cpp_fast_path_and_python_path_give_the_same_batches():
    ds = dataset()
    g1, g2 = ember.Generator().manual_seed(4), ember.Generator().manual_seed(4)
    fast = [y.tolist() for _, y in DataLoader(ds, batch_size=8, shuffle=True, generator=g1)]
    slow = [y.tolist() for _, y in DataLoader(ds, batch_size=8, sampler=RandomSampler(ds, generator=g2))]
    assert fast == slow
    ember.manual_seed(9)
    fast = [y.tolist() for _, y in DataLoader(ds, batch_size=8, shuffle=True)]
    ember.manual_seed(9)
    slow = [y.tolist() for _, y in DataLoader(ds, batch_size=8, sampler=RandomSampler(ds))]
    assert fast == slow


def raises_like_torch(make, exc):
    """ember and torch raise the same error type with the same message."""
    with pytest.raises(exc) as t:
        make(tud, torch)
    with pytest.raises(exc, match=re.escape(str(t.value))):
        make(eud, ember)


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(shuffle=True, sampler="S"),
    dict(batch_sampler="B", batch_size=2),
    dict(batch_sampler="B", shuffle=True),
    dict(batch_sampler="B", sampler="S"),
    dict(batch_sampler="B", drop_last=True),
    dict(batch_size=None, drop_last=True),
])
def test_dataloader_argument_errors_match_torch(kwargs):
    def make(mod, lib):
        kw = dict(kwargs)
        if kw.get("sampler") == "S":
            kw["sampler"] = [0, 1]
        if kw.get("batch_sampler") == "B":
            kw["batch_sampler"] = [[0, 1]]
        return mod.DataLoader(mod.TensorDataset(lib.zeros(4, 2)), **kw)

    raises_like_torch(make, ValueError)


def test_iterable_dataset_rules_match_torch():
    def make_iterable(mod):
        class Counter(mod.IterableDataset):
            def __iter__(self):
                return iter(range(7))

        return Counter()

    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        def make(mod, lib, kw=kw):
            return mod.DataLoader(make_iterable(mod), **kw)
        raises_like_torch(make, ValueError)
    e = [b.tolist() for b in DataLoader(make_iterable(eud), batch_size=3)]
    t = [b.tolist() for b in tud.DataLoader(make_iterable(tud), batch_size=3)]
    assert e == t


def test_worker_init_fn_is_called_per_worker_with_worker_info():
    calls = []

    def init(worker_id):
        info = eud.get_worker_info()
        calls.append((worker_id, info.id, info.num_workers))

    loader = DataLoader(dataset(), batch_size=50, num_workers=2, worker_init_fn=init)
    list(loader)
    assert calls == [(0, 0, 2), (1, 1, 2)]
    assert eud.get_worker_info() is None
    list(loader)
    assert len(calls) == 4  # a new epoch starts new workers
    persistent = DataLoader(dataset(), batch_size=50, num_workers=2, worker_init_fn=init, persistent_workers=True)
    list(persistent), list(persistent)
    assert len(calls) == 6


# --- samplers ---

def test_sequential_and_batch_sampler_match_torch():
    for bs, drop in [(3, False), (3, True), (5, True), (10, False)]:
        e = list(BatchSampler(SequentialSampler(range(10)), batch_size=bs, drop_last=drop))
        t = list(tud.BatchSampler(tud.SequentialSampler(range(10)), batch_size=bs, drop_last=drop))
        assert e == t
        assert len(BatchSampler(SequentialSampler(range(10)), bs, drop)) == len(e)
    for bad in (0, -1, 1.5, True):
        raises_like_torch(lambda mod, lib, bad=bad: mod.BatchSampler(range(3), bad, False), ValueError)
    raises_like_torch(lambda mod, lib: mod.BatchSampler(range(3), 2, 1), ValueError)


def test_random_sampler_permutes_or_draws_with_replacement():
    g = ember.Generator().manual_seed(0)
    perm = list(RandomSampler(range(10), generator=g))
    assert sorted(perm) == list(range(10))
    assert perm == ember.randperm(10, generator=ember.Generator().manual_seed(0)).tolist()
    # num_samples beyond the length: whole permutations, then a part of one (PyTorch's rule)
    long = list(RandomSampler(range(4), num_samples=10, generator=ember.Generator().manual_seed(1)))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3] and len(set(long[8:])) == 2
    # with replacement: len is num_samples, values in range, and all values turn up over many draws
    draws = list(RandomSampler(range(5), replacement=True, num_samples=1000, generator=ember.Generator().manual_seed(2)))
    assert len(draws) == 1000 and set(draws) == set(range(5))
    assert abs(np.bincount(draws).std() / 200) < 0.2
    # reproducible with a seeded generator, and with ember.manual_seed when none is given
    ember.manual_seed(3)
    a = list(RandomSampler(range(20)))
    ember.manual_seed(3)
    assert list(RandomSampler(range(20))) == a
    assert len(RandomSampler(range(7), replacement=True, num_samples=3)) == 3
    raises_like_torch(lambda mod, lib: mod.RandomSampler(range(3), replacement=1), TypeError)
    for bad in (0, -2, 1.5):
        raises_like_torch(lambda mod, lib, bad=bad: mod.RandomSampler(range(3), num_samples=bad), ValueError)


def test_subset_random_sampler_permutes_the_given_indices():
    got = list(SubsetRandomSampler([10, 20, 30, 40], generator=ember.Generator().manual_seed(5)))
    order = ember.randperm(4, generator=ember.Generator().manual_seed(5)).tolist()
    assert got == [[10, 20, 30, 40][i] for i in order]


def test_weighted_random_sampler_follows_the_weights():
    w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    n = 40000
    draws = list(WeightedRandomSampler(w, n, replacement=True, generator=ember.Generator().manual_seed(0)))
    freq = np.bincount(draws, minlength=6) / n
    p = np.array(w) / sum(w)
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n))  # within 4 standard errors
    no_rep = list(WeightedRandomSampler(w, 6, replacement=False, generator=ember.Generator().manual_seed(1)))
    assert sorted(no_rep) == list(range(6))
    # without replacement, the first pick follows the weights too
    firsts = [next(iter(WeightedRandomSampler([1.0, 3.0], 1, replacement=False,
                                              generator=ember.Generator().manual_seed(s)))) for s in range(4000)]
    assert abs(np.mean(firsts) - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 4000)
    assert list(WeightedRandomSampler([0.0, 1.0, 0.0], 5)) == [1] * 5
    for bad in (0, -1, True):
        raises_like_torch(lambda mod, lib, bad=bad: mod.WeightedRandomSampler([1.0], bad), ValueError)
    raises_like_torch(lambda mod, lib: mod.WeightedRandomSampler([1.0], 1, replacement=0), ValueError)
    raises_like_torch(lambda mod, lib: mod.WeightedRandomSampler([[1.0, 2.0]], 1), ValueError)
    raises_like_torch(lambda mod, lib: list(mod.WeightedRandomSampler([1.0, 1.0], 3, replacement=False)),
                      RuntimeError)


# --- Subset, ConcatDataset, random_split ---

def test_subset():
    ds = dataset()
    sub = Subset(ds, [5, 2, 9])
    assert len(sub) == 3 and sub[1][1].item() == LABELS[2]
    assert [y.tolist() for _, y in DataLoader(sub, batch_size=3)] == [LABELS[[5, 2, 9]].tolist()]


def test_concat_dataset_matches_torch():
    e = ConcatDataset([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    t = tud.ConcatDataset([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    assert len(e) == len(t) == 10 and e.cumulative_sizes == t.cumulative_sizes
    assert [e[i] for i in range(-10, 10)] == [t[i] for i in range(-10, 10)]
    singletons = ConcatDataset([[0], [1]])
    assert len(singletons) == 2 and singletons[0] == 0 and singletons[1] == 1
    with_empty = ConcatDataset([[0, 1, 2, 3, 4], [], [5, 6, 7, 8, 9]])
    assert [with_empty[i] for i in range(10)] == list(range(10))
    raises_like_torch(lambda mod, lib: mod.ConcatDataset([[0, 1]])[-3], ValueError)
    raises_like_torch(lambda mod, lib: mod.ConcatDataset([]), AssertionError)
    added = TensorDataset(ember.arange(3)) + TensorDataset(ember.arange(2) + 10)
    assert isinstance(added, ConcatDataset) and [int(added[i][0]) for i in range(5)] == [0, 1, 2, 10, 11]


def test_random_split_lengths_fractions_and_generator():
    splits = random_split(range(10), [3, 7], generator=ember.Generator().manual_seed(42))
    assert [len(s) for s in splits] == [3, 7]
    perm = ember.randperm(10, generator=ember.Generator().manual_seed(42)).tolist()
    assert list(splits[0]) == perm[:3] and list(splits[1]) == perm[3:]
    for n, fracs in [(30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.1, 0.9])]:
        e = [len(s) for s in random_split(range(n), fracs, generator=ember.Generator().manual_seed(0))]
        t = [len(s) for s in tud.random_split(range(n), fracs, generator=torch.Generator().manual_seed(0))]
        assert e == t and sum(e) == n
    parts = random_split(range(30), [0.3, 0.3, 0.4], generator=ember.Generator().manual_seed(1))
    assert sorted(i for p in parts for i in p) == list(range(30))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])
    raises_like_torch(lambda mod, lib: mod.random_split(range(10), [3, 8]), ValueError)
    raises_like_torch(lambda mod, lib: mod.random_split(range(10), [1.5, -0.5]), ValueError)
    ember.manual_seed(7)
    a = [list(s) for s in random_split(range(9), [4, 5])]
    ember.manual_seed(7)
    assert [list(s) for s in random_split(range(9), [4, 5])] == a
