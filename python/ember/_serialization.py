"""ember.save / ember.load: torch.save / torch.load for what PyTorch programs
save (state dicts, optimizer state dicts, nested dicts/lists/tuples of
tensors, numbers, strings, bools and None), written as one safetensors file
whose ``__metadata__`` describes the nesting. Nothing is pickled: loading a
file can never execute code, so ``weights_only`` is always true, and the
``safetensors`` package reads the tensors of every file ember.save writes.
The format and its checks are C++ (data/serialize.cpp)."""

import io
import os
import pickle

from . import _C

_DEFAULT_PROTOCOL = 2


def _path_of(f):
    """The path a str or os.PathLike names, or None for anything else (a file object)."""
    if isinstance(f, (str, os.PathLike)):
        return os.fsdecode(os.fspath(f))
    return None


def _name_of(f):
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


def save(obj, f, pickle_module=pickle, pickle_protocol=_DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves ``obj`` to ``f`` (a path, or a binary file object with ``write``), as torch.save.

    ``obj`` may be a tensor, a state dict, an optimizer state dict, or dicts,
    lists and tuples of tensors, ints, floats, strs, bytes (a generator's
    get_state()), bools and None; NumPy scalars are saved as the Python
    numbers they hold. A path is
    written atomically (temporary file, fsync, rename); the same tensor met
    twice is stored once, and views are stored as their values.
    ``pickle_module`` and ``pickle_protocol`` are accepted for PyTorch's
    signature and unused: ember never pickles.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("save: ember never pickles, so pickle_module must be pickle (the default) or None, "
                         f"got {pickle_module!r}")
    path = _path_of(f)
    if path is not None:
        _C._save(obj, path)
        return
    if not callable(getattr(f, "write", None)):
        raise TypeError(f"save: expected f to be a str, an os.PathLike or a binary file object with write(), "
                        f"got {type(f).__name__}")
    f.write(_C._save_bytes(obj))


def _check_map_location(map_location):
    if map_location is None:
        return
    if isinstance(map_location, (str, _C.device)):
        _C.device(map_location)  # "cpu", "cpu:0" or an ember.device; another device raises
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            _check_map_location(target)
        return
    raise TypeError("load: expected map_location to be None, 'cpu', an ember.device or a dict of them (ember runs on "
                    f"the CPU only, so tensors always load there), got {type(map_location).__name__}")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Loads what ember.save wrote, from a path or a binary file object with ``read``, as torch.load.

    Tensors load on the CPU; ``map_location`` may be None, 'cpu', an
    ember.device or a dict mapping saved locations to the CPU.
    ``weights_only`` is accepted and always holds: files hold data only, never
    code. A file that is not ember.save's, is truncated or malformed raises
    ValueError naming the file and the problem; plain safetensors files are
    read with ember.load_file.
    """
    if pickle_module is not None:
        raise ValueError(f"load: ember never unpickles, so pickle_module must be None, got {pickle_module!r}")
    unknown = set(pickle_load_args) - {"encoding", "errors"}  # unpickler options: meaningless without pickle
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    _check_map_location(map_location)
    path = _path_of(f)
    if path is not None:
        with open(path, "rb"):  # a missing or unreadable file raises OSError, as torch.load's open does
            pass
        return _C._load(path)
    if not callable(getattr(f, "read", None)):
        raise TypeError(f"load: expected f to be a str, an os.PathLike or a binary file object with read(), "
                        f"got {type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"load: {_name_of(f)} is opened in text mode; open the file in binary mode, 'rb'")
    data = f.read()
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"load: {_name_of(f)} gave {type(data).__name__} from read(), expected bytes "
                        "(open the file in binary mode, 'rb')")
    return _C._load_bytes(data, _name_of(f))
