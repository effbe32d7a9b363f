"""ember.nn.models: ready-made CNN blocks and models, the C++ ones of nn/models
(bound in python/src/models.cpp). Each is an ember.nn.Module whose parameter
names and counts equal the torchvision definition's, so state_dicts move
between ember and PyTorch unchanged."""

from .. import _C

_m = _C._models

BasicBlock = _m.BasicBlock
Bottleneck = _m.Bottleneck
InceptionBlock = _m.InceptionBlock
DenseLayer = _m.DenseLayer
DenseBlock = _m.DenseBlock
Transition = _m.Transition
DepthwiseSeparableConv = _m.DepthwiseSeparableConv
ResNet = _m.ResNet
VGG = _m.VGG
LeNet5 = _m.LeNet5
AlexNet = _m.AlexNet

lenet5 = _m.lenet5
alexnet = _m.alexnet
vgg = _m.vgg
cifar_resnet = _m.cifar_resnet
resnet18 = _m.resnet18
resnet34 = _m.resnet34
resnet50 = _m.resnet50
resnet20 = _m.resnet20
resnet32 = _m.resnet32
resnet56 = _m.resnet56

__all__ = [
    "BasicBlock", "Bottleneck", "InceptionBlock", "DenseLayer", "DenseBlock", "Transition", "DepthwiseSeparableConv",
    "ResNet", "VGG", "LeNet5", "lenet5", "vgg", "cifar_resnet", "resnet18", "resnet34", "resnet50", "resnet20",
    "resnet32", "resnet56",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
