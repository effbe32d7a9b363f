"""ember.save_file / ember.load_file: round trips, interchange with the
`safetensors` package (torch and numpy front ends) in both directions, and
rejection of corrupt files with a ValueError."""

import struct

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import ember


def _ember_tensors():
    return {
        "w32": ember.tensor([[0.1, -2.5], [3.0, 1e-30]], dtype=ember.float32),
        "w64": ember.tensor([1e-300, -0.0, 7.25], dtype=ember.float64),
        "idx": ember.tensor([-(2**62), 0, 5], dtype=ember.int64),
        "mask": ember.tensor([True, False, True]),
        "empty": ember.zeros(0, 3),
        "scalar": ember.tensor(2.5, dtype=ember.float64),
    }


def test_round_trip_is_bit_exact(tmp_path):
    path = tmp_path / "a.safetensors"
    tensors = _ember_tensors()
    ember.save_file(tensors, path, metadata={"epoch": "3"})
    loaded = ember.load_file(str(path))
    assert list(loaded) == sorted(tensors)
    for name, t in tensors.items():
        assert loaded[name].dtype == t.dtype and loaded[name].shape == t.shape
        assert loaded[name].numpy().tobytes() == t.numpy().tobytes()


def test_ember_file_loads_in_safetensors_torch_and_numpy(tmp_path):
    path = str(tmp_path / "e.safetensors")
    tensors = _ember_tensors()
    ember.save_file(tensors, path, metadata={"format": "pt"})
    for loaded in (safetensors.torch.load_file(path), safetensors.numpy.load_file(path)):
        assert sorted(loaded) == sorted(tensors)
        for name, t in tensors.items():
            np.testing.assert_array_equal(np.asarray(loaded[name]), t.numpy())
    with safetensors.safe_open(path, "pt") as f:
        assert f.metadata() == {"format": "pt"}


def test_safetensors_torch_file_loads_in_ember(tmp_path):
    path = str(tmp_path / "t.safetensors")
    ref = {
        "conv.weight": torch.randn(4, 3, 3, 3),
        "fc.bias": torch.randn(10, dtype=torch.float64),
        "bn.num_batches_tracked": torch.tensor(7),
        "mask": torch.tensor([True, False]),
    }
    safetensors.torch.save_file(ref, path, metadata={"k": "v"})
    loaded = ember.load_file(path)
    assert sorted(loaded) == sorted(ref)
    for name, t in ref.items():
        np.testing.assert_array_equal(loaded[name].numpy(), t.numpy())
    np_path = str(tmp_path / "n.safetensors")
    safetensors.numpy.save_file({"a": np.arange(6, dtype=np.float32).reshape(2, 3)}, np_path)
    np.testing.assert_array_equal(ember.load_file(np_path)["a"].numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))


def _raw(path, header: bytes, data: bytes = b"", length=None):
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header + data)


@pytest.mark.parametrize(
    "header, data, length, message",
    [
        (b"{}", b"", 2**63, "more than the"),
        (b'{"t": [', b"", None, "not valid JSON"),
        (b'{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}', bytes(8), None, "past the end"),
        (b'{"t":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}', bytes(8), None, "needs 16"),
        (b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
         bytes(12), None, "overlapping"),
        (b'{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(4), None, "past the end"),
        (b'{"t":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', bytes(2), None, "dtype U8"),
    ],
)
def test_hostile_files_raise_value_error(tmp_path, header, data, length, message):
    path = tmp_path / "bad.safetensors"
    _raw(path, header, data, length)
    with pytest.raises(ValueError, match=message):
        ember.load_file(path)


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.safetensors"
    ember.save_file({"a": ember.ones(2)}, path)
    with pytest.raises(TypeError):
        ember.save_file({"a": "not a tensor"}, path)
    assert list(ember.load_file(path)) == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.safetensors"]
