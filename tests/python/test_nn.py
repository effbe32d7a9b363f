"""ember.nn against torch.nn: a small CNN subclassed in Python in both
libraries, with PyTorch's weights copied in through state_dict, gives the same
outputs, loss and parameter gradients in train and eval mode (float64 to
rounding, float32 to 1e-5); names, counts and state_dict keys match; every
layer's repr and default initialisation match PyTorch's (ranges and moments,
not values: the generators differ); hooks, load_state_dict errors, attribute
registration, and Python modules inside C++ containers and the reverse.
"""

import gc
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn


def build_cnn(lib):
    """The same architecture in ember or torch: C++ layers inside a Python module, a Sequential, a raw Parameter."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
            self.conv = nn.Conv2d(4, 6, 3, padding="same", bias=False)
            self.bn = nn.BatchNorm2d(6)
            self.pool = nn.AvgPool2d(2)
            self.fc = nn.Linear(6 * 2 * 2, 5)
            self.scale = nn.Parameter(lib.ones(5))

        def forward(self, x):
            x = self.features(x)
            x = nn.functional.relu(self.bn(self.conv(x)))
            x = lib.flatten(self.pool(x), 1)
            return self.fc(x) * self.scale

    return Net()


def copy_weights(tnet, enet, dtype):
    state = OrderedDict((k, ember.tensor(v.detach().numpy(), dtype=dtype if v.is_floating_point() else ember.int64))
                        for k, v in tnet.state_dict().items())
    enet.load_state_dict(state)


def assert_close(e, t, tol):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-5)])
def test_cnn_matches_torch_outputs_and_gradients(dtype, tol):
    torch.manual_seed(0)
    tnet = build_cnn(torch).to(getattr(torch, dtype))
    enet = build_cnn(ember).to(getattr(ember, dtype))
    copy_weights(tnet, enet, getattr(ember, dtype))
    x = np.random.default_rng(0).standard_normal((3, 2, 8, 8))
    y = np.array([0, 3, 4])
    for train in (True, False):
        tnet.train(train)
        enet.train(train)
        tnet.zero_grad()
        enet.zero_grad()
        tx = torch.tensor(x, dtype=getattr(torch, dtype))
        ex = ember.tensor(x, dtype=getattr(ember, dtype))
        tout, eout = tnet(tx), enet(ex)
        assert_close(eout, tout, tol)
        tloss = torch.nn.CrossEntropyLoss()(tout, torch.tensor(y))
        eloss = enn.CrossEntropyLoss()(eout, ember.tensor(y))
        assert_close(eloss, tloss, tol)
        tloss.backward()
        eloss.backward()
        tparams, eparams = dict(tnet.named_parameters()), dict(enet.named_parameters())
        assert list(tparams) == list(eparams)
        for name in tparams:
            assert_close(eparams[name].grad, tparams[name].grad, tol)
        # Running statistics were updated the same way in training.
        tstate, estate = tnet.state_dict(), enet.state_dict()
        for name in tstate:
            assert_close(estate[name], tstate[name], tol)


def test_names_counts_and_state_dict_keys_equal_torch():
    tnet, enet = build_cnn(torch), build_cnn(ember)
    assert [n for n, _ in enet.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in enet.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert list(enet.state_dict()) == list(tnet.state_dict())
    assert [n for n, _ in enet.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert [n for n, _ in enet.named_children()] == [n for n, _ in tnet.named_children()]
    assert sum(p.numel() for p in enet.parameters()) == sum(p.numel() for p in tnet.parameters())
    assert len(list(enet.parameters(recurse=False))) == 1
    assert all(isinstance(p, enn.Parameter) for p in enet.parameters())
    assert isinstance(enet.state_dict(), OrderedDict)


# ---- repr ----

LAYERS = [
    lambda nn: nn.Conv2d(1, 8, 3),
    lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2),
    lambda nn: nn.Conv1d(2, 4, 5, stride=2, padding=2),
    lambda nn: nn.Conv3d(2, 4, 3),
    lambda nn: nn.BatchNorm3d(8, eps=1e-3, affine=False),
    lambda nn: nn.Conv3d(4, 6, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), dilation=2, groups=2, bias=False),
    lambda nn: nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
    lambda nn: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), output_padding=(1, 0), groups=2, bias=False),
    lambda nn: nn.ConvTranspose2d(2, 2, 3, dilation=2, output_padding=1),
    lambda nn: nn.ConvTranspose1d(2, 4, 5, stride=3, padding=2, output_padding=2),
    lambda nn: nn.Upsample(scale_factor=(2, 3)),
    lambda nn: nn.Upsample(size=4, mode="bilinear", align_corners=True),
    lambda nn: nn.Embedding(10, 3),
    lambda nn: nn.Embedding(10, 3, padding_idx=-1, scale_grad_by_freq=True),
    lambda nn: nn.Threshold(0.1, 20.0, inplace=True),
    lambda nn: nn.Fold((4, 5), (2, 3), padding=(0, 1)),
    lambda nn: nn.Linear(3, 4),
    lambda nn: nn.Linear(3, 4, bias=False),
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    lambda nn: nn.MaxPool1d(2),
    lambda nn: nn.AvgPool2d(2),
    lambda nn: nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.LPPool2d(2.0, 3, stride=3),  # C++ prints the resolved stride, not stride=None
    lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool2d((2, 3)),
    lambda nn: nn.AdaptiveMaxPool2d(2),
    lambda nn: nn.BatchNorm1d(4),
    lambda nn: nn.BatchNorm2d(4, momentum=None, affine=False),
    lambda nn: nn.BatchNorm2d(4, eps=1e-3, track_running_stats=False),
    lambda nn: nn.InstanceNorm2d(3),
    lambda nn: nn.InstanceNorm2d(3, affine=True),
    lambda nn: nn.LayerNorm(5),
    lambda nn: nn.LayerNorm([2, 3], elementwise_affine=False),
    lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.LocalResponseNorm(2),
    lambda nn: nn.Dropout(),
    lambda nn: nn.Dropout(0.2),
    lambda nn: nn.Dropout2d(),
    lambda nn: nn.ReLU(),
    lambda nn: nn.ReLU6(),
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2),
    lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(3),
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(alpha=0.5),
    lambda nn: nn.SELU(),
    lambda nn: nn.CELU(),
    lambda nn: nn.GELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.Mish(),
    lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softsign(),
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Hardswish(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.LogSoftmax(dim=-1),
    lambda nn: nn.Identity(),
    lambda nn: nn.Flatten(),
    lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.CrossEntropyLoss(),
    lambda nn: nn.NLLLoss(),
    lambda nn: nn.MSELoss(),
    lambda nn: nn.L1Loss(),
    lambda nn: nn.SmoothL1Loss(),
    lambda nn: nn.HuberLoss(),
    lambda nn: nn.BCELoss(),
    lambda nn: nn.BCEWithLogitsLoss(),
    lambda nn: nn.KLDivLoss(),
    lambda nn: nn.MultiMarginLoss(),
    lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU()),
    lambda nn: nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())])),
    lambda nn: nn.ModuleList([nn.Linear(2, 3), nn.Sequential(nn.ReLU())]),
    lambda nn: nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.ReLU()}),
]


@pytest.mark.parametrize("make", LAYERS)
def test_layer_repr_matches_torch(make):
    assert repr(make(enn)) == repr(make(torch.nn))


def test_every_layer_is_in_a_table():
    """Each layer class ember.nn binds is in LAYERS or is an op table entry's module
    (opinfo.py), so a layer added without a test fails here."""
    from opinfo import op_db

    layers = {name for name in dir(enn) if isinstance(getattr(enn, name), type)
              and issubclass(getattr(enn, name), enn.Module) and not name.startswith("_")}
    listed = {op.module for op in op_db if op.module} | {type(make(enn)).__name__ for make in LAYERS}
    # The base class, and ember's own layers with no PyTorch twin (tests/cpp/test_layers.cpp and
    # test_local.cpp, and test_ember_only_layers_match_their_definitions below, test them).
    assert sorted(layers - listed) == ["Dice", "LocalContrastNorm", "LocallyConnected2d", "Maxout", "Module", "Swish"]


def test_python_subclass_repr_matches_torch():
    assert repr(build_cnn(ember)) == repr(build_cnn(torch))

    class Wrapper(enn.Module):
        def __init__(self):
            super().__init__()
            self.conv = enn.Conv2d(1, 8, 3)

    assert repr(Wrapper()) == "Wrapper(\n  (conv): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))\n)"


def test_parameter_repr_and_identity():
    p = enn.Parameter(ember.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert not enn.Parameter(ember.zeros(2), requires_grad=False).requires_grad
    lin = enn.Linear(2, 3)
    w = lin.weight
    assert isinstance(w, enn.Parameter) and lin.weight is w
    del w
    gc.collect()
    assert isinstance(lin.weight, enn.Parameter)  # a fresh Python object is a Parameter again


# ---- default initialisation ----

def uniform_bound(t):
    return float(np.abs(t.detach().numpy()).max())


@pytest.mark.parametrize("make,fan_in", [
    (lambda nn: nn.Linear(200, 60), 200),
    (lambda nn: nn.Conv2d(8, 30, 3), 72),
    (lambda nn: nn.Conv2d(8, 30, 3, groups=2), 36),
    (lambda nn: nn.Conv1d(6, 40, 5), 30),
])
def test_weight_and_bias_init_ranges_match_torch(make, fan_in):
    ember.manual_seed(1)
    e, t = make(enn), make(torch.nn)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) and the bias bound coincide
    for name in ("weight", "bias"):
        ev, tv = getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy()
        assert ev.shape == tv.shape and ev.dtype == tv.dtype
        assert np.abs(ev).max() <= bound and np.abs(tv).max() <= bound
        # Both fill the range: U(-b, b) has std b / sqrt(3).
        if ev.size >= 1000:
            assert abs(ev.std() - bound / math.sqrt(3)) < 0.1 * bound
            assert abs(ev.std() - tv.std()) < 0.1 * bound
        assert np.abs(ev).max() > 0.8 * bound


@pytest.mark.parametrize("make", [
    lambda nn: nn.BatchNorm2d(5), lambda nn: nn.BatchNorm1d(5), lambda nn: nn.LayerNorm(5),
    lambda nn: nn.GroupNorm(5, 5), lambda nn: nn.InstanceNorm2d(5, affine=True, track_running_stats=True),
    lambda nn: nn.PReLU(5), lambda nn: nn.Linear(3, 3),
])
def test_state_shapes_and_constant_inits_match_torch(make):
    e, t = make(enn), make(torch.nn)
    estate, tstate = e.state_dict(), t.state_dict()
    assert list(estate) == list(tstate)
    for key in tstate:
        assert tuple(estate[key].shape) == tuple(tstate[key].shape), key
        if "Linear" in repr(t):
            continue  # random; ranges are checked above
        np.testing.assert_array_equal(estate[key].numpy(), tstate[key].numpy(), err_msg=key)


# ---- nn.init ----

@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_torch(name, param):
    assert enn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def test_init_functions_follow_their_distributions():
    ember.manual_seed(0)
    w = ember.empty(256, 128)
    fan_in, fan_out = 128, 256
    assert enn.init.uniform_(w, -2, 3) is w and -2 <= w.min().item() and w.max().item() <= 3
    assert enn.init.constant_(w, 0.5).numpy().tolist()[0][0] == 0.5
    assert enn.init.zeros_(w).numpy().max() == 0 and enn.init.ones_(w).numpy().min() == 1
    enn.init.normal_(w, 1.0, 2.0)
    assert abs(w.numpy().mean() - 1) < 0.05 and abs(w.numpy().std() - 2) < 0.05
    enn.init.xavier_uniform_(w)
    assert uniform_bound(w) <= math.sqrt(6 / (fan_in + fan_out))
    enn.init.xavier_normal_(w, gain=2.0)
    assert abs(w.numpy().std() - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.02
    enn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert uniform_bound(w) <= math.sqrt(2) * math.sqrt(3 / fan_out)
    enn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / fan_in)) < 0.01  # MSRA: variance 2 / fan_in
    enn.init.trunc_normal_(w, std=1.0, a=-1.0, b=0.5)
    assert -1.0 <= w.min().item() and w.max().item() <= 0.5


# ---- hooks ----

def test_forward_hooks_replace_input_and_output_and_are_removable():
    lin = enn.Linear(2, 2)
    seen = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: seen.append((m, args[0].sum().item())) or out + 1)
    out = lin(ember.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), (lin.bias + 1).detach().numpy()[None], rtol=1e-6)
    assert seen[0][0] is lin and seen[0][1] == 0
    # Hooks run when a C++ container calls the layer, too.
    enn.Sequential(lin)(ember.ones(1, 2))
    assert len(seen) == 2
    pre.remove()
    post.remove()
    np.testing.assert_allclose(lin(ember.ones(1, 2)).detach().numpy(),
                               (lin.weight.sum(1) + lin.bias).detach().numpy()[None], rtol=1e-6)
    assert len(seen) == 2


def test_hooks_on_a_python_module():
    class Double(enn.Module):
        def forward(self, x):
            return x * 2

    m = Double()
    calls = []
    m.register_forward_hook(lambda mod, args, out: calls.append(mod) or None)
    assert m(ember.ones(2)).tolist() == [2.0, 2.0] and calls == [m]


# ---- state_dict ----

def test_load_state_dict_errors_name_the_keys():
    net = build_cnn(ember)
    state = net.state_dict()
    missing = OrderedDict(state)
    del missing["fc.bias"]
    with pytest.raises(ValueError, match='Missing key\\(s\\) in state_dict: "fc.bias"'):
        net.load_state_dict(missing)
    extra = OrderedDict(state, extra=ember.zeros(1))
    with pytest.raises(ValueError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        net.load_state_dict(extra)
    wrong = OrderedDict(state, **{"fc.weight": ember.zeros(2, 2)})
    with pytest.raises(ValueError, match="size mismatch for fc.weight"):
        net.load_state_dict(wrong)
    result = net.load_state_dict(extra, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == ["extra"]
    result = net.load_state_dict(missing, strict=False)
    assert result.missing_keys == ["fc.bias"] and result.unexpected_keys == []
    assert repr(net.load_state_dict(state)) == "<All keys matched successfully>"


def test_state_dict_values_are_detached_and_load_copies():
    lin = enn.Linear(2, 2)
    state = lin.state_dict()
    assert not state["weight"].requires_grad
    lin.load_state_dict({"weight": ember.ones(2, 2), "bias": ember.zeros(2)})
    assert lin.weight.detach().numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]] and lin.weight.requires_grad


# ---- attribute registration ----

def test_attribute_assignment_registers_and_deletion_unregisters():
    class Net(enn.Module):
        def __init__(self):
            super().__init__()
            self.w = enn.Parameter(ember.randn(3))
            self.lin = enn.Linear(3, 2)
            self.register_buffer("steps", ember.zeros(1))
            self.plain = ember.ones(2)  # a plain tensor stays a Python attribute
            self.k = 3

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["w", "lin.weight", "lin.bias"]
    assert list(net.state_dict()) == ["w", "steps", "lin.weight", "lin.bias"]
    assert net.k == 3 and "plain" in net.__dict__ and "w" not in net.__dict__
    new_w = enn.Parameter(ember.zeros(3))
    net.w = new_w
    assert net.w is new_w and [n for n, _ in net.named_parameters()][0] == "w"
    net.steps = ember.ones(1)
    assert net.state_dict()["steps"].tolist() == [1.0]
    with pytest.raises(TypeError, match="cannot assign"):
        net.w = ember.ones(3)
    del net.w
    assert [n for n, _ in net.named_parameters()] == ["lin.weight", "lin.bias"]
    with pytest.raises(AttributeError):
        net.w
    del net.lin
    assert list(net.named_children()) == []
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        net.nothing


def test_setting_a_cpp_layers_weight_to_a_parameter():
    lin = enn.Linear(2, 1)
    p = enn.Parameter(ember.tensor([[2.0, 3.0]]))
    lin.weight = p
    assert lin.weight is p and list(lin.parameters())[0] is p
    lin.bias = None
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    assert lin(ember.ones(1, 2)).tolist() == [[5.0]]
    lin(ember.ones(1, 2)).sum().backward()
    assert p.grad.tolist() == [[1.0, 1.0]]


def test_layer_attributes_are_readable():
    conv = enn.Conv2d(1, 8, 3, stride=2, padding="same")
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding) == \
        (1, 8, (3, 3), (2, 2), "same")
    bn = enn.BatchNorm2d(4, momentum=None)
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.momentum is None and bn.num_features == 4
    assert bn.num_batches_tracked.item() == 0
    lin = enn.Linear(3, 4)
    assert (lin.in_features, lin.out_features) == (3, 4)


# ---- containers ----

def test_python_module_inside_sequential_survives_and_gets_called():
    class AddOne(enn.Module):
        def __init__(self):
            super().__init__()
            self.b = enn.Parameter(ember.ones(1))

        def forward(self, x):
            return x + self.b

    seq = enn.Sequential(enn.Linear(2, 2), AddOne(), enn.ReLU())
    gc.collect()  # the AddOne object is referenced only from C++ now
    assert type(seq[1]).__name__ == "AddOne"
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.b"]
    out = seq(ember.ones(3, 2))
    out.sum().backward()
    assert seq[1].b.grad.item() == pytest.approx(float((seq[0](ember.ones(3, 2)) + 1 > 0).sum().item()))
    assert repr(seq) == "Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): AddOne()\n" \
                        "  (2): ReLU()\n)"


def test_python_forward_returning_a_tuple():
    class Split(enn.Module):
        def forward(self, x):
            return x, x * 2

    a, b = Split()(ember.ones(2))
    assert b.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="expected a Tensor"):
        enn.Sequential(Split())(ember.ones(2))


def test_module_list_and_dict():
    layers = enn.ModuleList([enn.Linear(2, 2) for _ in range(3)])
    layers.append(enn.ReLU())
    assert len(layers) == 4 and isinstance(layers[-1], enn.ReLU)
    d = enn.ModuleDict({"a": enn.Linear(2, 2)})
    d["b"] = enn.Tanh()
    assert list(d) == ["a", "b"] and "b" in d and len(d) == 2
    assert [n for n, _ in enn.Sequential(layers[0], d).named_parameters()] == \
        ["0.weight", "0.bias", "1.a.weight", "1.a.bias"]


def test_module_methods():
    net = build_cnn(ember)
    assert net.eval() is net and not net.training and not net.features[1].training
    net.train()
    assert net.features[1].training
    net.training = False
    assert not net.training and net.features[1].training
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited[-1] == "Net" and visited[0] == "Conv2d"
    assert net.double() is net and all(p.dtype == ember.float64 for p in net.parameters())
    assert net.bn.num_batches_tracked.dtype == ember.int64
    net.float()
    assert all(p.dtype == ember.float32 for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(ember.randn(2, 2, 8, 8)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.get_submodule("features.1") is net.features[1]
    assert len(list(net.modules())) == len(list(build_cnn(torch).modules()))


def test_layers_match_torch_functionally():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 6))
    for make in (lambda nn: nn.LPPool2d(2, 3), lambda nn: nn.AdaptiveMaxPool2d(2), lambda nn: nn.LocalResponseNorm(2),
                 lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.InstanceNorm2d(4), lambda nn: nn.Softmax(dim=1),
                 lambda nn: nn.GELU("tanh"), lambda nn: nn.Hardtanh(-0.5, 0.5), lambda nn: nn.Flatten(),
                 lambda nn: nn.Unflatten(1, (2, 2))):
        e, t = make(enn).double(), make(torch.nn).double()
        assert_close(e(ember.tensor(x)), t(torch.tensor(x)), 1e-10)
    target = rng.integers(0, 4, 2)
    for make in (lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"),
                 lambda nn: nn.MultiMarginLoss(margin=0.5)):
        logits = x[:, :, 0, 0]
        assert_close(make(enn)(ember.tensor(logits), ember.tensor(target)),
                     make(torch.nn)(torch.tensor(logits), torch.tensor(target)), 1e-10)


def test_unsupported_options_fail_clearly():
    with pytest.raises(ValueError, match="padding_mode='zeros'"):
        enn.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="expected padding 'same', 'valid'"):
        enn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(RuntimeError, match="has no single-tensor forward"):
        enn.Module()(ember.ones(1))


INPLACE_LAYERS = [("ReLU", {}), ("ReLU6", {}), ("SELU", {}), ("SiLU", {}), ("Mish", {}), ("Hardsigmoid", {}),
                  ("Hardswish", {}), ("LeakyReLU", dict(negative_slope=0.2)), ("ELU", dict(alpha=0.5)),
                  ("CELU", dict(alpha=0.5)), ("Hardtanh", dict(min_val=-0.5, max_val=0.8)),
                  ("Dropout", dict(p=0.0)), ("Dropout2d", dict(p=0.0))]


@pytest.mark.parametrize("name,kwargs", INPLACE_LAYERS)
def test_inplace_layers_write_into_their_input_as_torch(name, kwargs):
    e_layer, t_layer = getattr(enn, name)(inplace=True, **kwargs), getattr(torch.nn, name)(inplace=True, **kwargs)
    assert repr(e_layer) == repr(t_layer)
    x = np.random.default_rng(3).standard_normal((2, 3, 4)) * 3
    e_leaf, t_leaf = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e_in, t_in = e_leaf * 1, t_leaf * 1
    e_out, t_out = e_layer(e_in), t_layer(t_in)
    assert e_out is e_in
    np.testing.assert_allclose(e_in.detach().numpy(), t_in.detach().numpy(), rtol=1e-12, atol=1e-15)
    weight = np.random.default_rng(4).standard_normal(x.shape)
    (e_out * ember.tensor(weight)).sum().backward()
    (t_out * torch.tensor(weight)).sum().backward()
    # PyTorch's Hardsigmoid gradient multiplies by the float32 constant 1.0f / 6.0f (see opinfo.py).
    rtol = 1e-7 if name == "Hardsigmoid" else 1e-12
    np.testing.assert_allclose(e_leaf.grad.numpy(), t_leaf.grad.numpy(), rtol=rtol, atol=1e-15)
    if name.startswith("Dropout"):  # p=0 returns its input untouched, as PyTorch's
        leaf = ember.tensor(x, requires_grad=True)
        assert e_layer(leaf) is leaf
    else:
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            e_layer(ember.tensor(x, requires_grad=True))


def test_inplace_dropout_masks_its_input_in_training():
    ember.manual_seed(5)
    x = ember.ones(200, 50, dtype=ember.float64)
    y = enn.Dropout(0.3, inplace=True)(x)
    assert y is x
    v = x.numpy()
    assert set(np.unique(v)) <= {0.0, 1 / 0.7}
    assert abs((v != 0).mean() - 0.7) < 0.02
    x2 = ember.ones(4, 3, 2, 2, dtype=ember.float64)
    enn.Dropout2d(0.5, inplace=True)(x2)
    per_channel = x2.numpy().reshape(12, 4)
    assert (per_channel == per_channel[:, :1]).all()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        enn.Dropout(0.5, inplace=True)(ember.ones(3, requires_grad=True))
    eval_layer = enn.Dropout(0.5, inplace=True).eval()
    leaf = ember.ones(3, requires_grad=True)
    assert eval_layer(leaf) is leaf


def test_state_dicts_move_between_ember_and_torch_as_safetensors_files(tmp_path):
    """ember.save_file(model.state_dict()) loads into torch through safetensors.torch,
    and safetensors.torch.save_file(torch_model.state_dict()) loads into ember."""
    import safetensors.torch

    torch.manual_seed(1)
    ember.manual_seed(1)
    enet, tnet = build_cnn(ember), build_cnn(torch)
    x = np.random.default_rng(0).standard_normal((3, 2, 8, 8)).astype(np.float32)

    ember.save_file(enet.state_dict(), tmp_path / "ember.safetensors")
    tnet.load_state_dict(safetensors.torch.load_file(tmp_path / "ember.safetensors"))
    enet.eval(), tnet.eval()
    assert_close(enet(ember.tensor(x)), tnet(torch.tensor(x)), 1e-5)

    tnet2 = build_cnn(torch)
    for p in tnet2.parameters():
        torch.nn.init.normal_(p)
    safetensors.torch.save_file(tnet2.state_dict(), tmp_path / "torch.safetensors")
    enet.load_state_dict(ember.load_file(tmp_path / "torch.safetensors"))
    tnet2.eval()
    assert_close(enet(ember.tensor(x)), tnet2(torch.tensor(x)), 1e-5)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("layer,function", [("Softmax", "softmax"), ("LogSoftmax", "log_softmax")])
def test_implicit_softmax_dim_is_pytorchs_with_its_warning(shape, layer, function):
    """dim=None picks dim 0 for 0-, 1- and 3-d inputs, else 1, as layer and as function, and warns as PyTorch does."""
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice") as torch_warnings:
        want = getattr(torch.nn, layer)()(torch.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice") as ember_warnings:
        got_layer = getattr(enn, layer)()(ember.tensor(x))
        got_function = getattr(enn.functional, function)(ember.tensor(x))
    assert str(ember_warnings[0].message) == str(torch_warnings[0].message)
    assert_close(got_layer, want, 1e-12)
    assert_close(got_function, want, 1e-12)
    assert repr(getattr(enn, layer)()) == repr(getattr(torch.nn, layer)())


def test_orthogonal_init_gives_orthonormal_rows_as_torch():
    for shape, gain in [((3, 7), 1.0), ((8, 2, 2), 2.0)]:
        e, t = enn.init.orthogonal_(ember.empty(*shape, dtype=ember.float64), gain=gain), \
            torch.nn.init.orthogonal_(torch.empty(*shape, dtype=torch.float64), gain=gain)
        for w in (e.numpy(), t.numpy()):
            a = w.reshape(shape[0], -1)
            g = a @ a.T if a.shape[0] <= a.shape[1] else a.T @ a
            np.testing.assert_allclose(g, gain**2 * np.eye(len(g)), atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal_"):
        enn.init.orthogonal_(ember.empty(4))


def test_ember_only_layers_match_their_definitions():
    """LocallyConnected2d, Maxout and LocalContrastNorm against the formulas they document, computed with torch."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 6, 5))
    lc = enn.LocallyConnected2d(3, 4, (6, 5), (3, 2), stride=(2, 1)).double()
    y = lc(ember.tensor(x)).detach().numpy()
    w, b = lc.weight.detach().numpy(), lc.bias.detach().numpy()
    cols = torch.nn.functional.unfold(torch.tensor(x), (3, 2), stride=(2, 1)).numpy()  # (N, C k, L)
    want = np.einsum("lok,nkl->nol", w, cols).reshape(2, 4, 2, 4) + b
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    assert repr(lc) == "LocallyConnected2d(3, 4, input_size=(6, 5), kernel_size=(3, 2), stride=(2, 1))"

    mo = enn.Maxout(5, 3, 4).double()
    v = rng.standard_normal((7, 5))
    lin = mo.linear.weight.detach().numpy(), mo.linear.bias.detach().numpy()
    want = (v @ lin[0].T + lin[1]).reshape(7, 3, 4).max(-1)
    np.testing.assert_allclose(mo(ember.tensor(v)).detach().numpy(), want, rtol=1e-12, atol=1e-12)
    leaf = ember.tensor(v, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: mo(t), (leaf,))

    lcn = enn.LocalContrastNorm(3, sigma=1.0)
    t = torch.tensor(x)
    g = torch.exp(-torch.tensor([[(p - 1) ** 2 + (q - 1) ** 2 for q in range(3)] for p in range(3)],
                                dtype=torch.float64) / 2)
    k = (g / (3 * g.sum())).expand(1, 3, 3, 3)
    mass = torch.nn.functional.conv2d(torch.ones(1, 3, 6, 5, dtype=torch.float64), k, padding=1)
    vv = t - torch.nn.functional.conv2d(t, k, padding=1) / mass
    sigma = torch.sqrt(torch.clamp(torch.nn.functional.conv2d(vv * vv, k, padding=1) / mass, min=1e-8))
    want = (vv / torch.maximum(sigma, sigma.mean(dim=(2, 3), keepdim=True))).detach()
    np.testing.assert_allclose(lcn(ember.tensor(x)).numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    leaf = ember.tensor(x[:1, :, :4, :4], requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: lcn(t), (leaf,))
    with pytest.raises(ValueError, match="LocalContrastNorm: expected an odd kernel_size"):
        enn.LocalContrastNorm(4)


def test_batchnorm3d_matches_torch_in_train_and_eval():
    x = np.random.default_rng(5).standard_normal((3, 2, 4, 3, 5))
    e, t = enn.BatchNorm3d(2, momentum=0.3).double(), torch.nn.BatchNorm3d(2, momentum=0.3).double()
    assert repr(e) == repr(t)
    for train in (True, False):
        e.train(train), t.train(train)
        np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e.running_var.numpy(), t.running_var.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="BatchNorm3d: expected 5D input"):
        e(ember.zeros(2, 2, 3, 3))


def test_upsample_attributes_as_torch():
    for kwargs in [dict(scale_factor=2), dict(size=(4, 5), mode="bilinear"), dict(scale_factor=(2, 3))]:
        e, t = enn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
        assert (e.size, e.scale_factor, e.mode, e.align_corners) == (t.size, t.scale_factor, t.mode, t.align_corners)
