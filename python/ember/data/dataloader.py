"""DataLoader with torch.utils.data.DataLoader's arguments and checks, and
the collate functions. Batches of a dataset implemented in C++ (TensorDataset,
MNIST, FashionMNIST without Python transforms) are gathered in C++ (one
index_select, transforms on the whole batch), by a background thread when
the loader owns the sampling; other datasets are read sample by sample."""

import collections.abc
import copy
import numbers
import re

import numpy as np

from .._C import _data
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_NUMPY_STRINGS = re.compile(r"[SaUO]")
_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _array_to_tensor(a):
    """A NumPy array as a tensor; integer types ember lacks (uint8, int32, ...) become int64."""
    import ember

    a = np.asarray(a)
    if a.dtype.kind in "iu" and a.dtype != np.int64:
        a = a.astype(np.int64)
    elif a.dtype == np.float16:
        a = a.astype(np.float32)
    if a.ndim == 0:
        return ember.tensor(a.item(), dtype={"b": ember.bool, "f": ember.float64 if a.dtype == np.float64 else ember.float32}.get(a.dtype.kind, ember.int64))
    return ember.from_numpy(np.ascontiguousarray(a))


def default_convert(data):
    """PyTorch's default_convert (the collate_fn when batch_size=None): NumPy
    arrays and scalars become tensors, containers are converted element by element."""
    import ember

    if isinstance(data, ember.Tensor):
        return data
    if type(data).__module__ == "numpy" and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _NUMPY_STRINGS.search(data.dtype.str) is not None:
            return data
        return _array_to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """PyTorch's default_collate: tensors and NumPy arrays are stacked, ints
    become an int64 tensor, floats a float64 one, bools a bool one, strings
    stay a list; tuples and lists are collated field by field (into a list),
    namedtuples into their type, dicts by key."""
    import ember

    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        return ember.stack(list(batch))
    if type(elem).__module__ == "numpy" and not isinstance(elem, (np.str_, np.bytes_)):
        if isinstance(elem, np.ndarray):
            if _NUMPY_STRINGS.search(elem.dtype.str) is not None:
                raise TypeError(_COLLATE_ERROR.format(elem.dtype))
            return default_collate([default_convert(b) for b in batch])
        if elem.shape == ():
            return default_collate([b.item() for b in batch])
    if isinstance(elem, bool):
        return ember.tensor(list(batch), dtype=ember.bool)
    if isinstance(elem, numbers.Integral):
        return ember.tensor(list(batch), dtype=ember.int64)
    if isinstance(elem, numbers.Real):
        return ember.tensor(list(batch), dtype=ember.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


class WorkerInfo:
    """What get_worker_info() returns inside worker_init_fn: id, num_workers, seed, dataset."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset!r})"


_worker_info = None


def get_worker_info():
    """None in the main process, as PyTorch's; ember loads every batch there, so it
    is not None only while worker_init_fn runs."""
    return _worker_info


class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=None,
    persistent_workers=False, pin_memory_device='', in_order=True)``, with PyTorch's checks.

    ember loads in the main process: ``num_workers > 0`` starts no worker
    processes and gives exactly the batches ``num_workers=0`` gives
    (``worker_init_fn(i)`` is still called for each worker id i at the start of an
    epoch, or once with ``persistent_workers``). ``pin_memory`` is a no-op (ember
    runs on the CPU) and ``timeout`` has nothing to wait for. With ``shuffle``,
    the order is a RandomSampler's: ``ember.randperm(len(dataset), generator=generator)``,
    or with a generator seeded by one draw of the default generator."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):  # fmt: skip
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    f"batch_sampler option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        user_sampling = sampler is not None or batch_sampler is not None
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self._default_collate = collate_fn is None
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._workers_started = False

        # The C++ loader (background thread) serves the batches when it can draw
        # the same order itself: a C++ dataset, default collation and sampling.
        cpp = dataset if isinstance(dataset, _data.Dataset) else getattr(dataset, "_cpp_dataset", None)
        self._cpp = cpp if self._default_collate else None
        self._loader = None
        if self._cpp is not None and not user_sampling and batch_size is not None:
            # A RandomSampler without a generator draws a fresh one per epoch: the C++
            # loader shuffles with this one, reseeded the same way each epoch.
            self._epoch_generator = generator if generator is not None else _data_generator()
            self._loader = _data.DataLoader(self._cpp, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                                            generator=self._epoch_generator)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def _start_workers(self):
        global _worker_info
        if self.worker_init_fn is None or self.num_workers == 0:
            return
        if self.persistent_workers and self._workers_started:
            return
        self._workers_started = True
        import ember

        base_seed = int(ember.randint(0, 2**62, (1,), generator=self.generator).item())
        for worker_id in range(self.num_workers):
            _worker_info = WorkerInfo(worker_id, self.num_workers, base_seed + worker_id, self.dataset)
            try:
                self.worker_init_fn(worker_id)
            finally:
                _worker_info = None

    def __iter__(self):
        self._start_workers()
        if self._loader is not None:
            if self.sampler is not None and isinstance(self.sampler, RandomSampler) and self.generator is None:
                from .sampler import _fresh_seed

                self._epoch_generator.manual_seed(_fresh_seed())
            return iter(self._loader)
        if self._iterable:
            return self._iterable_batches()
        return self._map_batches()

    def _fetch(self, indices):
        if self._cpp is not None:
            return self._cpp.get_batch(indices)
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _map_batches(self):
        if self.batch_sampler is None:  # batch_size=None: one sample at a time, converted
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
            return
        for indices in self.batch_sampler:
            yield self._fetch(list(indices))

    def _iterable_batches(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


def _data_generator():
    import ember

    return ember.Generator()


__all__ = ["DataLoader", "Sampler", "default_collate", "default_convert", "get_worker_info"]
