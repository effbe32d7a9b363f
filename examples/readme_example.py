"""The Python example shown in README.md: the same gradient as the C++ one,
then NumPy in and out and a gradient check, exactly as a user would type it."""
import numpy as np

import ember

x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = ember.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = (w * x).tanh().sum()  # y = sum_i tanh(w_i x_i)
y.backward()
print(round(y.item(), 6))  # 0.498077
print(x.grad)  # tensor([ 3.9322e-01, -7.0651e-02,  4.9114e-05])
print(w.grad)  # tensor([7.8645e-01, 1.4130e-01, 7.3671e-05])

a = ember.from_numpy(np.arange(6.0).reshape(2, 3))  # shares the array's memory
print((a @ a.t()).numpy())  # [[ 5. 14.] [14. 50.]]

t = ember.randn(4, dtype=ember.float64, requires_grad=True)
print(ember.autograd.gradcheck(lambda t: t * t.sigmoid(), (t,)))  # True
