"""Integer codes that tell a kernel which activation, output and loss to use.

Kept free of numba so that minnet can import it without numba installed.
"""

ACTIVATION = {"identity": 0, "relu": 1, "sigmoid": 2, "tanh": 3, "silu": 4}
OUTPUT = {"identity": 0, "softmax": 1}
LOSS = {"mse": 0, "half_mse": 1, "cross_entropy": 2}
