"""minnet.studies: the analyses of one document each, built on the framework in minnet/.

Read them beside the document they follow, after the framework:

1. dynamics      document 000: the 2-D gradient picture, the order of events when a run turns
                 unstable, duplicate hidden neurons
2. curriculum    document 001: ensemble agreement, First Correct / Last Mistake, gradient clusters
3. complex_mult  document 003: MLPs that learn complex multiplication
4. mandelbrot    document 003: the Mandelbrot set drawn with the exact or the learned product
5. checkpoint    document 004: backpropagation vanilla, memory-poor and checkpointed
6. grokking      document 004: modular addition learned long after it is memorised
7. double_descent  document 004: random features fitted by minimum-norm least squares
8. minima        document 004: a narrow and a wide minimum, large steps and stochastic ones

The command-line studies that run them, draw their figures and check their claims are in demos/.
"""
