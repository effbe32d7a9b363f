"""The Python optimizer example shown in README.md (run by tests/python/test_optim.py):
the C++ example's fit of y = 2x - 1, written as with torch.optim."""
import ember

x = ember.arange(-1.0, 1.0, 0.125)
y = x * 2.0 - 1.0
w, b = ember.zeros(1, requires_grad=True), ember.zeros(1, requires_grad=True)

opt = ember.optim.SGD([{"params": [w], "weight_decay": 1e-4}, {"params": [b]}], lr=0.1, momentum=0.9)
sched = ember.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
for epoch in range(150):
    opt.zero_grad()
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    ember.nn.utils.clip_grad_norm_([w, b], max_norm=1.0)
    opt.step()
    sched.step()
print(f"loss {loss.item():.1e}, lr {sched.get_last_lr()[0]}")  # loss 6.2e-09, lr 0.0125
state = opt.state_dict()  # opt.load_state_dict(state) or ember.optim.save/load resume bit for bit
