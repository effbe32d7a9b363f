"""ember.safe_open: what safetensors.safe_open offers for reading a file
(its __metadata__ strings, tensor names, tensors by name), since
ember.load_file, like safetensors.torch.load_file, returns the tensors only.
The file is read and validated by the C++ reader."""

import os

from ._C import _load_file_with_metadata


class safe_open:
    """``with ember.safe_open(path) as f: f.metadata(), f.keys(), f.get_tensor(name)``."""

    def __init__(self, filename, framework="pt", device="cpu"):
        self._tensors, metadata = _load_file_with_metadata(os.fspath(filename))
        # safetensors returns None for a file without __metadata__; the C++ reader gives {}.
        self._metadata = metadata or None

    def metadata(self):
        """The file's __metadata__ (a str -> str dict), or None if it has none."""
        return None if self._metadata is None else dict(self._metadata)

    def keys(self):
        return sorted(self._tensors)

    def get_tensor(self, name):
        return self._tensors[name]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
