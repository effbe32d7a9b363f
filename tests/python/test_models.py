"""ember.nn.models, ember.nn.summary and conv-BN folding from Python: parameter
counts equal torchvision's published numbers; resnet18's state_dict keys and
shapes equal those of a torch model written here with torchvision's
architecture (torchvision itself is not a dependency), and with torch's weights
copied in, the outputs agree in eval mode; the blocks' shapes; the summary
table's totals for LeNet-5 (counted by hand); fuse_conv_bn_eval and
fold_conv_bn against the unfused modules in eval mode.
"""

from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as tnn

import ember
import ember.nn as enn
from ember.nn import models


def count(model):
    return sum(p.numel() for p in model.parameters())


# ---- torchvision's resnet18, written out (torchvision/models/resnet.py) ----

class TorchBasicBlock(tnn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = tnn.Sequential(tnn.Conv2d(inplanes, planes, 1, stride, bias=False), tnn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TorchResNet18(tnn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU()
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        inplanes = 64
        for i, planes in enumerate([64, 128, 256, 512]):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", tnn.Sequential(TorchBasicBlock(inplanes, planes, stride),
                                                          TorchBasicBlock(planes, planes)))
            inplanes = planes
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomise_batchnorm(model):
    """Running statistics and affine parameters away from 1/0, so eval mode tests them."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def to_ember_state(torch_state):
    return OrderedDict((k, ember.tensor(v.detach().numpy())) for k, v in torch_state.items())


# ---- parameter counts ----

@pytest.mark.parametrize("make,expected", [
    (models.resnet18, 11_689_512),
    (models.resnet34, 21_797_672),
    (models.resnet50, 25_557_032),
])
def test_imagenet_resnets_have_torchvisions_parameter_counts(make, expected):
    assert count(make()) == expected


def test_alexnet_matches_torchvisions_architecture():
    net = models.alexnet()
    assert count(net) == 61_100_840
    assert count(models.alexnet(num_classes=10)) == 61_100_840 - 4096 * 990 - 990
    assert [k for k, _ in net.named_parameters()][:2] == ["features.0.weight", "features.0.bias"]
    assert "classifier.6.bias" in dict(net.named_parameters())
    net.eval()
    assert tuple(net(ember.randn(1, 3, 63, 63)).shape) == (1, 1000)


def test_small_models_parameter_counts():
    assert count(models.lenet5()) == 61_706
    # torchvision's count of a CIFAR ResNet-20 with option-A shortcuts is 269,722; the two
    # 1x1 projections + BN add 16*32 + 2*32 + 32*64 + 2*64.
    assert count(models.resnet20()) == 269_722 + 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64
    assert count(models.resnet20(num_classes=100, in_channels=1)) == count(models.resnet20()) - 2 * 16 * 9 + 90 * 65


def test_vgg_configuration_by_name_or_list():
    # torchvision's vgg11 has 132,863,336 parameters; its features are that minus the classifier's.
    classifier = (512 * 49 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
    small_head = (512 * 16 + 16) + (16 * 16 + 16) + (16 * 10 + 10)
    for cfg in ("A", "vgg11", [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]):
        net = models.VGG(cfg, num_classes=10, pool_size=1, hidden=16)
        assert count(net) == 132_863_336 - classifier + small_head
    net = models.VGG([8, "M", 16, "M"], batch_norm=True, num_classes=10, pool_size=1, hidden=32)
    keys = list(net.state_dict())
    assert keys[:7] == ["features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                        "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"]
    assert keys[-1] == "classifier.6.bias"
    assert count(net) == (3 * 8 * 9 + 8) + 16 + (8 * 16 * 9 + 16) + 32 + (16 * 32 + 32) + (32 * 32 + 32) + (32 * 10 + 10)
    assert tuple(net.eval()(ember.randn(2, 3, 16, 16)).shape) == (2, 10)
    with pytest.raises(ValueError, match="vgg"):
        models.VGG("vgg12")
    with pytest.raises(ValueError, match="'M'"):
        models.VGG([64, "N"])


# ---- resnet18 against torchvision's architecture ----

def test_resnet18_state_dict_and_outputs_match_torchvision_architecture():
    torch.manual_seed(0)
    tnet = TorchResNet18(num_classes=10)
    randomise_batchnorm(tnet)
    enet = models.resnet18(num_classes=10)
    tstate, estate = tnet.state_dict(), enet.state_dict()
    assert list(estate) == list(tstate)
    assert [tuple(v.shape) for v in estate.values()] == [tuple(v.shape) for v in tstate.values()]
    assert [n for n, _ in enet.named_parameters()] == [n for n, _ in tnet.named_parameters()]

    enet.load_state_dict(to_ember_state(tstate))
    tnet.eval()
    enet.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 40, 40)).astype(np.float32)
    with torch.no_grad():
        expected = tnet(torch.tensor(x)).numpy()
    with ember.no_grad():
        out = enet(ember.tensor(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_models_are_modules():
    net = models.resnet20()
    assert isinstance(net, enn.Module) and isinstance(net, models.ResNet)
    assert isinstance(net.layer1, enn.Sequential) and isinstance(net.layer1[0], models.BasicBlock)
    assert isinstance(net.layer2[0].downsample[0], enn.Conv2d) and net.layer1[0].downsample is None
    assert repr(net).startswith("ResNet(\n  (conv1): Conv2d(3, 16, kernel_size=(3, 3)")
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    # A C++ model inside a Python module, as any layer.
    class Wrapper(enn.Module):
        def __init__(self):
            super().__init__()
            self.body = models.lenet5()

        def forward(self, x):
            return self.body(x) * 2

    w = Wrapper()
    assert count(w) == 61_706 and "body.classifier.5.weight" in w.state_dict()


def test_resnet20_forward_and_backward_shapes():
    net = models.resnet20()
    y = net(ember.randn(2, 3, 32, 32))
    assert tuple(y.shape) == (2, 10)
    y.sum().backward()
    assert all(p.grad is not None and tuple(p.grad.shape) == tuple(p.shape) for p in net.parameters())
    # Any input size (adaptive pooling); eval mode, since BN cannot train on one value per channel.
    resnet = models.resnet18(num_classes=7, in_channels=1).eval()
    assert tuple(resnet(ember.randn(1, 1, 24, 24)).shape) == (1, 7)


def test_blocks_shapes_and_arguments():
    x = ember.randn(2, 16, 8, 8)
    basic = models.BasicBlock(inplanes=16, planes=32, stride=2)
    assert tuple(basic(x).shape) == (2, 32, 4, 4) and "downsample.0.weight" in basic.state_dict()
    assert models.BasicBlock.expansion == 1 and models.Bottleneck.expansion == 4
    bottleneck = models.Bottleneck(inplanes=64, planes=16)
    assert tuple(bottleneck(ember.randn(2, 64, 5, 5)).shape) == (2, 64, 5, 5)
    assert bottleneck.downsample is None
    inception = models.InceptionBlock(in_channels=16, ch1x1=4, ch3x3red=4, ch3x3=8, ch5x5red=2, ch5x5=4, pool_proj=4)
    assert inception.out_channels == 20 and tuple(inception(x).shape) == (2, 20, 8, 8)
    assert repr(inception).startswith("Inception(")
    dense = models.DenseBlock(num_layers=3, num_input_features=16, growth_rate=4, bn_size=2)
    assert dense.out_channels == 28 and tuple(dense(x).shape) == (2, 28, 8, 8)
    assert [n for n, _ in dense.named_children()] == ["denselayer1", "denselayer2", "denselayer3"]
    dw = models.DepthwiseSeparableConv(in_channels=16, out_channels=24, stride=2)
    assert len(dw) == 6 and isinstance(dw[0], enn.Conv2d) and dw[0].groups == 16
    assert tuple(dw(x).shape) == (2, 24, 4, 4)


# ---- summary ----

def test_summary_of_lenet5_prints_and_returns_the_table(capsys):
    net = models.lenet5()
    table = enn.summary(net, (1, 1, 28, 28))
    assert capsys.readouterr().out == table
    lines = table.splitlines()
    # Hand count: conv 1*6*25+6, conv 6*16*25+16, fc 400*120+120, 120*84+84, 84*10+10.
    total = (25 * 6 + 6) + (6 * 16 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert total == 61_706
    assert "Total params: 61,706" in lines and "Trainable params: 61,706" in lines
    assert "Non-trainable params: 0" in lines
    assert any(line.startswith("features.0 (Conv2d)") and "[1, 6, 28, 28]" in line and line.endswith("156")
               for line in lines)
    assert any(line.startswith("classifier.5 (Linear)") and "[1, 10]" in line for line in lines)
    assert net.training  # restored


def test_summary_counts_frozen_parameters_and_python_modules(capsys):
    class Net(enn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = enn.Linear(4, 3)
            self.fc2 = enn.Linear(3, 2)

        def forward(self, x):
            return self.fc2(enn.functional.relu(self.fc1(x)))

    net = Net()
    net.fc1.requires_grad_(False)
    table = enn.summary(net, [5, 4])
    capsys.readouterr()
    assert "Total params: 23" in table and "Trainable params: 8" in table and "Non-trainable params: 15" in table
    assert "[5, 2]" in table
    with pytest.raises(TypeError, match="batch"):
        enn.summary(net, 4)


# ---- conv-BN folding ----

def randomised_bn(channels):
    bn = enn.BatchNorm2d(channels)
    rng = np.random.default_rng(2)
    bn.load_state_dict({
        "weight": ember.tensor(rng.uniform(0.5, 1.5, channels).astype(np.float32)),
        "bias": ember.tensor(rng.normal(0, 0.1, channels).astype(np.float32)),
        "running_mean": ember.tensor(rng.normal(0, 0.1, channels).astype(np.float32)),
        "running_var": ember.tensor(rng.uniform(0.5, 1.5, channels).astype(np.float32)),
        "num_batches_tracked": ember.tensor(np.array(3, dtype=np.int64)),
    })
    return bn


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_bn_eval_equals_conv_then_bn(bias):
    conv = enn.Conv2d(3, 5, 3, stride=2, padding=1, bias=bias).eval()
    bn = randomised_bn(5).eval()
    fused = enn.utils.fuse_conv_bn_eval(conv, bn)
    assert isinstance(fused, enn.Conv2d) and fused.bias is not None and not fused.training
    assert fused.stride == (2, 2) and fused.padding == (1, 1)
    x = ember.randn(2, 3, 9, 9)
    with ember.no_grad():
        np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="eval"):
        enn.utils.fuse_conv_bn_eval(conv, bn.train())


def test_fold_conv_bn_keeps_resnet20_outputs():
    net = models.resnet20()
    # Running statistics from a few training-mode passes.
    with ember.no_grad():
        for seed in range(2):
            net(ember.randn(4, 3, 16, 16) * (1 + seed))
    net.eval()
    x = ember.randn(2, 3, 16, 16)
    with ember.no_grad():
        before = net(x).numpy()
        folded = enn.utils.fold_conv_bn(net)
        after = net(x).numpy()
    # The stem, two per block for nine blocks, and the two projection shortcuts.
    assert folded == 1 + 9 * 2 + 2
    assert isinstance(net.bn1, enn.Identity) and isinstance(net.layer2[0].downsample[1], enn.Identity)
    assert not any(isinstance(m, enn.BatchNorm2d) for m in net.modules())
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-4)
    assert enn.utils.fold_conv_bn(net) == 0
