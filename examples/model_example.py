"""The README's model example: the same CNN in ember Python, its summary, and
its weights saved as safetensors, loaded by PyTorch when it is installed."""
import ember
import ember.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(32 * 14 * 14, 10)

    def forward(self, x):
        return self.fc(ember.flatten(self.features(x), 1))


model = Net()
nn.summary(model, (1, 1, 28, 28))  # prints the table (and returns it)
print(model(ember.randn(8, 1, 28, 28)).shape)  # ember.Size([8, 10])
ember.save_file(model.state_dict(), "net.safetensors")

try:  # PyTorch reads the same file into the same architecture
    import safetensors.torch
    import torch

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.BatchNorm2d(32),
                                                torch.nn.ReLU(), torch.nn.MaxPool2d(2))
            self.fc = torch.nn.Linear(32 * 14 * 14, 10)

    print(TorchNet().load_state_dict(safetensors.torch.load_file("net.safetensors")))  # <All keys matched successfully>
except ImportError:
    pass
