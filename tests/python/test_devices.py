"""Devices beyond ember.device itself (test_missing_api.py covers it and the
factories' device=): the availability probes PyTorch scripts call, compared
with this CPU-only torch build's answers; Tensor.is_cpu/is_cuda; every form
of Tensor.to; layers' device=; and the same clear error for any other device."""

import pytest
import torch

import ember


def test_availability_probes_answer_as_torch_does_without_an_accelerator():
    assert not torch.cuda.is_available()  # the reference below is a CPU-only machine
    assert ember.cuda.is_available() is torch.cuda.is_available() is False
    assert ember.cuda.device_count() == torch.cuda.device_count() == 0
    assert ember.cuda.is_initialized() is torch.cuda.is_initialized()
    assert ember.backends.mps.is_available() is torch.backends.mps.is_available()
    assert ember.backends.mps.is_built() is False
    assert ember.backends.cudnn.is_available() is torch.backends.cudnn.is_available()
    assert ember.accelerator.is_available() is torch.accelerator.is_available() is False
    assert ember.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert ember.accelerator.device_count() == torch.accelerator.device_count() == 0
    # Seeding CUDA without CUDA is accepted and does nothing, in both.
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
    torch.cuda.manual_seed_all(0)
    ember.backends.cudnn.deterministic = True
    ember.backends.cudnn.benchmark = False


def test_the_device_idiom_of_pytorch_scripts_runs():
    for lib in (ember, torch):
        device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        x = lib.ones(2, 3).to(device)
        model = lib.nn.Linear(3, 1).to(device)
        assert str(model(x).device) == "cpu"


def test_tensor_device_flags_match_torch():
    e, t = ember.ones(2), torch.ones(2)
    assert (e.is_cpu, e.is_cuda, e.is_mps) == (t.is_cpu, t.is_cuda, t.is_mps) == (True, False, False)
    assert e.device.type == t.device.type == "cpu"


def test_every_form_of_to_matches_torch():
    e = ember.arange(4, dtype=ember.float32)
    t = torch.arange(4, dtype=torch.float32)
    forms = [
        (lambda x, lib: x.to("cpu"), True),
        (lambda x, lib: x.to(lib.device("cpu")), True),
        (lambda x, lib: x.to(lib.float32), True),
        (lambda x, lib: x.to(lib.float64), False),
        (lambda x, lib: x.to(dtype=lib.float64), False),
        (lambda x, lib: x.to("cpu", lib.float64), False),
        (lambda x, lib: x.to(device="cpu", dtype=lib.int64), False),
        (lambda x, lib: x.to(lib.zeros(1, dtype=lib.float64)), False),
        (lambda x, lib: x.to(lib.zeros(1)), True),
        (lambda x, lib: x.to(lib.float32, copy=True), False),
        (lambda x, lib: x.to(lib.zeros(1), copy=True), False),
        (lambda x, lib: x.to(lib.float32, non_blocking=True), True),
        (lambda x, lib: x.cpu(), True),
    ]
    for i, (form, same_object) in enumerate(forms):
        ge, gt = form(e, ember), form(t, torch)
        assert (ge is e) is (gt is t) is same_object, i
        assert str(ge.dtype).split(".")[1] == str(gt.dtype).split(".")[1], i
        assert ge.tolist() == gt.tolist(), i


@pytest.mark.parametrize("device", ["cpu", "cpu:0", None])
def test_layers_take_the_cpu_device(device):
    for make in (lambda d: ember.nn.Linear(2, 3, device=d), lambda d: ember.nn.Conv2d(1, 2, 3, device=d),
                 lambda d: ember.nn.LayerNorm(4, device=d)):
        layer = make(ember.device(device) if device == "cpu:0" else device)
        assert all(str(p.device) == "cpu" for p in layer.parameters())


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_any_other_device_is_a_value_error_saying_ember_runs_on_the_cpu(device):
    x = ember.ones(2)
    calls = [lambda: ember.device(device), lambda: x.to(device), lambda: x.to(device, ember.float64),
             lambda: ember.zeros(2, device=device), lambda: ember.tensor([1.0], device=device),
             lambda: ember.nn.Linear(2, 2, device=device), lambda: ember.nn.Linear(2, 2).to(device),
             lambda: ember.load("unused.pt", map_location=device)]
    for call in calls:
        with pytest.raises(ValueError, match="ember runs on the CPU only") as e:
            call()
        # ember's ValueError is a RuntimeError too: code written for PyTorch's RuntimeError on an unusable device
        # (NotImplementedError for 'mps' on this build) catches it.
        assert isinstance(e.value, RuntimeError)


def test_new_factories_take_dtype_device_and_requires_grad_as_torch():
    for lib in (torch, ember):
        x = lib.ones(2, dtype=lib.float64)
        made = [x.new_zeros((2, 3), device="cpu"), x.new_ones(2, dtype=lib.float32), x.new_empty((1,), device="cpu"),
                x.new_full((2,), 3, dtype=lib.int64, device=lib.device("cpu")), x.new_zeros(2, requires_grad=True)]
        got = [(tuple(t.shape), str(t.dtype).split(".")[1], t.requires_grad, str(t.device)) for t in made]
        if lib is ember:
            assert got == want
        want = got
    with pytest.raises(ValueError, match="new_zeros: ember runs on the CPU only"):
        ember.ones(1).new_zeros(2, device="cuda")


def test_module_to_a_tensor_takes_its_dtype_as_torch():
    for lib in (ember, torch):
        model = lib.nn.Linear(2, 2)
        assert model.to(lib.zeros(1, dtype=lib.float64)) is model
        assert model.weight.dtype == lib.float64
        assert model.to(lib.device("cpu"), lib.float32).weight.dtype == lib.float32
