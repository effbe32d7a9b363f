"""ember.save / ember.load against torch.save / torch.load: round trips of
state dicts (identical outputs after loading), optimizer state (training
continues bit for bit), nested structures (the same Python types come back
as from torch), every dtype, file objects; the file is valid safetensors for
the `safetensors` package; hostile files and unsavable objects are refused
clearly, and a failed save leaves the previous file and no temporaries."""

import collections
import io
import math
import os
import pathlib
import pickle
import socket
import subprocess
import sys

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import torch

import ember


def same(a, b):
    """Deep equality of ember results, NaN equal to NaN, types compared exactly."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, ember.Tensor):
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        assert a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def shape_of(obj, lib):
    """The types and scalar values of a structure, with tensors as their dtype name and values."""
    if isinstance(obj, lib.Tensor):
        return ("Tensor", str(obj.dtype).split(".")[1], obj.tolist(), obj.requires_grad)
    if isinstance(obj, dict):
        return (type(obj).__name__, [(shape_of(k, lib), shape_of(v, lib)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [shape_of(x, lib) for x in obj])
    if isinstance(obj, float) and math.isnan(obj):
        return ("float", "nan")
    return (type(obj).__name__, obj)


def nested(lib):
    return {
        "ints": [0, -1, 2 ** 63 - 1, -(2 ** 63)],
        "floats": (0.1, -0.0, float("inf"), float("-inf"), float("nan"), 1e300, 5e-324),
        "text": "é \"quoted\" \\ {json} \x00 nul",
        "flags": [True, False, None],
        "odict": collections.OrderedDict([("b", 1), ("a", 2)]),
        3: "int key",
        (1, "x"): "tuple key",
        2.5: "float key",
        None: "None key",
        "tensors": {"f32": lib.tensor([[1.5, -2.25]]), "f64": lib.tensor([0.1, 1e-310], dtype=lib.float64),
                    "i64": lib.tensor([-3, 2 ** 62]), "bool": lib.tensor([True, False]),
                    "scalar": lib.tensor(3.0), "empty": lib.zeros(0, 4),
                    "grad": lib.ones(2, requires_grad=True)},
        "empty": [[], (), {}],
        "bytes": [b"", b"\x00\xff raw"],
        b"k": "bytes key",
    }


def test_nested_structures_come_back_with_torchs_types_and_values(tmp_path):
    ember.save(nested(ember), tmp_path / "e.safetensors")
    torch.save(nested(torch), tmp_path / "t.pt")
    got = ember.load(tmp_path / "e.safetensors")
    want = torch.load(tmp_path / "t.pt", weights_only=False)  # our own file; torch refuses bytes otherwise
    assert shape_of(got, ember) == shape_of(want, torch)
    same(got, ember.load(str(tmp_path / "e.safetensors")))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_every_dtype_round_trips_bit_for_bit(tmp_path, dtype):
    floats = np.array([0.1, -0.0, np.inf, -np.nan, 1e-40, 3.0])
    values = np.array([-7, 0, 2 ** 62, -(2 ** 62), 1, 3]) if dtype == "int64" else floats.astype(dtype)
    t = ember.from_numpy(values.reshape(2, 3))
    ember.save(t, tmp_path / "t.safetensors")
    back = ember.load(tmp_path / "t.safetensors")
    assert back.dtype == t.dtype
    assert back.numpy().tobytes() == t.numpy().tobytes()


def make_model():
    return ember.nn.Sequential(ember.nn.Conv2d(1, 4, 3, padding=1), ember.nn.BatchNorm2d(4), ember.nn.ReLU(),
                               ember.nn.Flatten(), ember.nn.Linear(4 * 6 * 6, 3))


def test_a_model_state_dict_loads_into_another_model_with_identical_outputs(tmp_path):
    ember.manual_seed(0)
    a = make_model()
    a(ember.randn(8, 1, 6, 6))  # moves the batch-norm running statistics and num_batches_tracked
    a.eval()
    ember.manual_seed(1)
    b = make_model().eval()
    x = ember.randn(2, 1, 6, 6)
    assert not np.array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    ember.save(a.state_dict(), tmp_path / "model.pt")
    loaded = ember.load(tmp_path / "model.pt")
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(a.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == ember.int64
    b.load_state_dict(loaded)
    assert a(x).detach().numpy().tobytes() == b(x).detach().numpy().tobytes()
    # The same file as the `safetensors` package sees it: the state dict, tensor by tensor, under its keys.
    plain = safetensors.numpy.load_file(str(tmp_path / "model.pt"))
    assert set(plain) == set(a.state_dict())
    for key, t in a.state_dict().items():
        np.testing.assert_array_equal(plain[key], t.numpy())
    with safetensors.safe_open(str(tmp_path / "model.pt"), framework="numpy") as f:
        assert f.metadata()["format"] == "ember.save.v1"


def train(model, opt, steps, seed):
    ember.manual_seed(seed)
    for _ in range(steps):
        opt.zero_grad()
        loss = model(ember.randn(4, 1, 6, 6)).pow(2).mean()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_optimizer_state_round_trips_and_training_continues_identically(tmp_path, name):
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.01), "RMSprop": dict(lr=0.01)}[name]
    ember.manual_seed(0)
    model = make_model()
    opt = getattr(ember.optim, name)(model.parameters(), **kwargs)
    train(model, opt, 3, seed=10)
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")

    ember.manual_seed(5)
    model2 = make_model()
    opt2 = getattr(ember.optim, name)(model2.parameters(), **kwargs)
    ckpt = ember.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert ckpt["epoch"] == 3
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    same(ckpt["optimizer"], opt.state_dict())
    train(model, opt, 2, seed=11)
    train(model2, opt2, 2, seed=11)
    for p, q in zip(model.parameters(), model2.parameters()):
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()


def test_a_generators_state_round_trips_as_bytes(tmp_path):
    g = ember.Generator().manual_seed(7)
    ember.save({"rng": g.get_state()}, tmp_path / "rng.pt")
    want = ember.rand(3, generator=g).tolist()
    g2 = ember.Generator()
    g2.set_state(ember.load(tmp_path / "rng.pt")["rng"])
    assert ember.rand(3, generator=g2).tolist() == want


def test_numpy_scalars_are_saved_as_the_python_numbers_they_hold(tmp_path):
    ember.save({"acc": np.float32(0.5), "epoch": np.int64(3), "best": np.bool_(True)}, tmp_path / "n.pt")
    got = ember.load(tmp_path / "n.pt")
    assert got == {"acc": 0.5, "epoch": 3, "best": True}
    assert [type(v) for v in got.values()] == [float, int, bool]
    with pytest.raises(TypeError, match="is a ndarray"):
        ember.save(np.zeros(2), tmp_path / "n.pt")


def test_file_objects_and_path_types_work_as_in_torch(tmp_path):
    obj = {"w": ember.arange(6).reshape(2, 3), "n": 1.5}
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    same(ember.load(buf), obj)
    with open(tmp_path / "f.pt", "wb") as f:
        ember.save(obj, f)
    with open(tmp_path / "f.pt", "rb") as f:
        same(ember.load(f), obj)
    same(ember.load(pathlib.Path(tmp_path / "f.pt")), obj)
    ember.save(obj, str(tmp_path / "g.pt"), pickle_module=pickle, pickle_protocol=4)
    same(ember.load(os.fsencode(tmp_path / "g.pt").decode()), obj)
    with open(tmp_path / "f.pt", "r") as f:
        with pytest.raises(TypeError, match="open the file in binary mode"):
            ember.load(f)
    with pytest.raises(TypeError, match="expected f to be a str, an os.PathLike or a binary file object"):
        ember.save(obj, 5)


def test_shared_tensors_are_saved_once_and_views_as_their_values(tmp_path):
    base = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    view = base.t()[1:]
    ember.save({"a": base, "b": base, "v": view}, tmp_path / "s.pt")
    got = ember.load(tmp_path / "s.pt")
    assert got["a"] is got["b"]  # as torch.load gives one tensor for one saved tensor
    np.testing.assert_array_equal(got["v"].numpy(), view.numpy())
    assert len(safetensors.numpy.load_file(str(tmp_path / "s.pt"))) == 2


def test_parameters_and_requires_grad_survive_as_in_torch(tmp_path):
    p = ember.nn.Parameter(ember.ones(2))
    ember.save([p, p, ember.zeros(1, requires_grad=True)], tmp_path / "p.pt")
    got = ember.load(tmp_path / "p.pt")
    tp = torch.nn.Parameter(torch.ones(2))
    torch.save([tp, tp, torch.zeros(1, requires_grad=True)], tmp_path / "p_torch.pt")
    want = torch.load(tmp_path / "p_torch.pt")
    assert [type(x).__name__ for x in got] == [type(x).__name__ for x in want] == ["Parameter", "Parameter", "Tensor"]
    assert [x.requires_grad for x in got] == [x.requires_grad for x in want]
    assert got[0] is got[1]


def test_map_location_and_flags_are_accepted_for_the_cpu_only(tmp_path):
    ember.save(ember.ones(2), tmp_path / "x.pt")
    for loc in (None, "cpu", "cpu:0", ember.device("cpu"), {"cuda:0": "cpu"}):
        assert ember.load(tmp_path / "x.pt", map_location=loc).tolist() == [1.0, 1.0]
    assert ember.load(tmp_path / "x.pt", weights_only=False, mmap=True).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="ember runs on the CPU only"):
        ember.load(tmp_path / "x.pt", map_location="cuda")
    with pytest.raises(TypeError, match="map_location"):
        ember.load(tmp_path / "x.pt", map_location=lambda storage, loc: storage)
    with pytest.raises(ValueError, match="never unpickles"):
        ember.load(tmp_path / "x.pt", pickle_module=pickle)


def header_file(path, structure, tensors=None):
    ember.save_file(tensors if tensors is not None else {"a": ember.ones(2)}, path,
                    metadata={"format": "ember.save.v1", "structure": structure})
    return path


HOSTILE_STRUCTURES = [
    ('{"list": [', "its structure is not valid JSON"),
    ('{"list": 3}', "obj is a list of 3, expected a JSON list"),
    ('{"tensor": "missing"}', "names the tensor 'missing', which the file does not hold"),
    ('{"dict": [["k", {"tensor": 1}]]}', "obj['k'] names its tensor with 1, expected a string"),
    ('{"tuple": [{"float": "1e9"}]}', 'obj[0] is the float "1e9", expected "nan", "inf" or "-inf"'),
    ('{"pickle": "cos\\nsystem"}', "which describes no value"),
    ('null', "holds the tensor 'a' that its structure never uses"),
    ('{"list": [' * 150 + "null" + "]}" * 150, "nested deeper than 100 levels"),
]


@pytest.mark.parametrize("structure,message", HOSTILE_STRUCTURES, ids=[m for _, m in HOSTILE_STRUCTURES])
def test_malformed_structures_are_value_errors_naming_the_file(tmp_path, structure, message):
    path = header_file(str(tmp_path / "bad.pt"), structure)
    with pytest.raises(ValueError) as e:
        ember.load(path)
    assert f"load: '{path}' is not a valid ember.save file" in str(e.value) and message in str(e.value)


def test_files_that_are_not_ember_saves_are_refused_clearly(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"PK\x03\x04 a torch zip file, or anything else")
    with pytest.raises(ValueError, match=f"load: '{junk}'"):
        ember.load(junk)
    plain = str(tmp_path / "plain.safetensors")
    safetensors.numpy.save_file({"w": np.ones(2, np.float32)}, plain)
    with pytest.raises(ValueError, match="is a safetensors file that ember.save did not write.*load_file"):
        ember.load(plain)
    ember.save({"w": ember.ones(100)}, tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:-7])
    with pytest.raises(ValueError, match=f"load: '{tmp_path / 'cut.pt'}'"):
        ember.load(tmp_path / "cut.pt")
    with pytest.raises(ValueError, match="load: '<BytesIO>'"):
        ember.load(io.BytesIO(data[:20]))
    with pytest.raises(FileNotFoundError):  # as torch.load
        ember.load(tmp_path / "absent.pt")


def test_unsavable_objects_are_refused_and_a_failed_save_leaves_the_old_file(tmp_path):
    target = tmp_path / "ckpt.pt"
    ember.save({"w": ember.ones(2)}, target)
    before = target.read_bytes()
    with pytest.raises(TypeError, match=r"save: obj\['bad'\]\[1\] is a set; ember saves tensors"):
        ember.save({"w": ember.zeros(2), "bad": [1, {2}]}, target)
    with pytest.raises(TypeError, match="is a function"):
        ember.save(lambda: 0, target)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested deeper than 100 levels"):
        ember.save(loop, target)
    with pytest.raises(ValueError, match=r"obj\[0\] is the int 36893488147419103232, outside int64"):
        ember.save([2 ** 65], target)
    with pytest.raises(TypeError, match="a dict key is a Tensor"):
        ember.save({ember.ones(1): 1}, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_paths_with_a_nul_byte_raise_as_pythons_open(tmp_path):
    for call in (lambda p: ember.save(ember.ones(1), p), ember.load, ember.load_file,
                 lambda p: ember.save_file({"a": ember.ones(1)}, p)):
        with pytest.raises(ValueError, match="embedded null byte"):
            call(str(tmp_path / "x.pt") + "\x00evil")
    assert os.listdir(tmp_path) == []


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_save_removes_stale_temporaries_of_dead_writers(tmp_path):
    host = socket.gethostname()
    stale = [f".ckpt.pt.tmp.{host}.{dead_pid()}.1234", f".ckpt.pt.tmp.{host}.2147483646.99"]
    live = f".ckpt.pt.tmp.{host}.{os.getpid()}.5"  # a live writer's temporary stays
    other = f".other.pt.tmp.{host}.2147483646.7"  # another file's is not this save's business
    for name in stale + [live, other]:
        (tmp_path / name).write_bytes(b"half a checkpoint")
    ember.save({"w": ember.ones(1)}, tmp_path / "ckpt.pt")
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.pt", live, other])


BUILD_EXAMPLES = pathlib.Path(os.environ.get("EMBER_TRAIN_BINARY", pathlib.Path(__file__).resolve().parents[2] / "build"
                                              / "examples" / "train_fashion_mnist")).parent
SAVE_LOAD = BUILD_EXAMPLES / "save_load"


def cpp_model():
    return ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3))


def test_files_move_between_cpp_and_python_in_both_directions(tmp_path):
    """examples/save_load.cpp saves a trained model and its Adam state; Python loads both, and a model
    Python saves loads in C++ and gives Python's outputs."""
    assert SAVE_LOAD.exists(), f"{SAVE_LOAD} is missing: build the examples (scripts/test does)"
    run = lambda: subprocess.run([str(SAVE_LOAD), str(tmp_path)], capture_output=True, text=True, timeout=120)
    result = run()
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr
    model = cpp_model()
    model.load_state_dict(ember.load(tmp_path / "model.safetensors"))
    io_ = ember.load(tmp_path / "io.safetensors")
    with ember.no_grad():
        assert model(io_["input"]).numpy().tobytes() == io_["output"].numpy().tobytes()
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    saved = ember.load(tmp_path / "optimizer.safetensors")
    opt.load_state_dict(saved)
    same(opt.state_dict(), saved)
    assert saved["param_groups"][0]["betas"] == (0.9, 0.999) and saved["state"][0]["step"].item() == 3

    ember.manual_seed(42)
    python_model = cpp_model()
    python_opt = ember.optim.Adam(python_model.parameters(), lr=0.002, betas=(0.8, 0.99))
    python_model(io_["input"]).sum().backward()
    python_opt.step()
    ember.save(python_model.state_dict(), tmp_path / "python_model.safetensors")
    ember.save(python_opt.state_dict(), tmp_path / "python_optimizer.safetensors")
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    with ember.no_grad():
        want = python_model(io_["input"]).numpy()
    assert ember.load(tmp_path / "python_output.safetensors").numpy().tobytes() == want.tobytes()
    # The C++ optimizer took Python's options (lr, betas) and state, and saved them back unchanged.
    same(ember.load(tmp_path / "python_optimizer_from_cpp.safetensors"), python_opt.state_dict())
