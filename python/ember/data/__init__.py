"""ember.data: datasets, the DataLoader and image transforms (PyTorch's
torch.utils.data and the torchvision parts a CNN needs). Datasets implemented
in C++ (TensorDataset, MNIST, FashionMNIST) are batched by the C++ DataLoader
on a background thread; Dataset subclasses written in Python by a Python loop."""

from . import transforms
from .dataloader import DataLoader, default_collate
from .dataset import MNIST, Dataset, FashionMNIST, TensorDataset

__all__ = ["DataLoader", "Dataset", "FashionMNIST", "MNIST", "TensorDataset", "default_collate", "transforms"]
