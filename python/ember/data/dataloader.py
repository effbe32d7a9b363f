"""DataLoader: the C++ loader (background thread, batch fast paths) for
datasets implemented in C++, a plain Python loop for Python datasets; both
shuffle with ember.randperm of the given (or default) generator."""

import numbers

import numpy as np

from .._C import _data


def default_collate(batch):
    """Stacks a list of samples as PyTorch's default_collate does: tensors and
    NumPy arrays are stacked, ints become int64 and floats float64 tensors,
    tuples and lists are collated field by field (into a list), dicts by key."""
    import ember

    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        return ember.stack(list(batch))
    if isinstance(elem, np.ndarray):
        return ember.stack([ember.from_numpy(np.ascontiguousarray(a)) for a in batch])
    if isinstance(elem, bool):
        return ember.tensor(list(batch), dtype=ember.bool)
    if isinstance(elem, numbers.Integral):
        return ember.tensor(list(batch), dtype=ember.int64)
    if isinstance(elem, numbers.Real):
        return ember.tensor(list(batch), dtype=ember.float64)
    if isinstance(elem, dict):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    return batch


class DataLoader:
    """Batches of a dataset: ``for images, labels in DataLoader(ds, batch_size=64, shuffle=True):``.
    With ``shuffle``, each epoch's order is ``ember.randperm(len(dataset), generator=generator)``,
    so seeding the generator (or ``ember.manual_seed``) makes it reproducible."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"DataLoader: expected batch_size to be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        cpp = dataset if isinstance(dataset, _data.Dataset) else getattr(dataset, "_cpp_dataset", None)
        self._loader = (
            None
            if cpp is None
            else _data.DataLoader(cpp, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator)
        )

    def __len__(self):
        if self._loader is not None:
            return len(self._loader)
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        if self._loader is not None:
            return iter(self._loader)
        return self._python_batches()

    def _python_batches(self):
        import ember

        n = len(self.dataset)
        order = ember.randperm(n, generator=self.generator).tolist() if self.shuffle else range(n)
        for start in range(0, n, self.batch_size):
            indices = order[start : start + self.batch_size]
            if len(indices) < self.batch_size and self.drop_last:
                return
            yield default_collate([self.dataset[i] for i in indices])
