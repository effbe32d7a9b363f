"""ember.data: torch.utils.data (datasets, samplers, the DataLoader, collation;
also importable as ember.utils.data) and the torchvision parts a CNN needs
(MNIST, FashionMNIST, image transforms). Datasets implemented in C++
(TensorDataset, MNIST, FashionMNIST) are batched in C++; Dataset subclasses
written in Python are read sample by sample and collated in Python."""

from . import transforms
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .mnist import MNIST, FashionMNIST
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "FashionMNIST",
    "IterableDataset",
    "MNIST",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
    "transforms",
]
