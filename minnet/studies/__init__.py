"""minnet.studies: the analyses of one document each, built on the framework in minnet/.

Read them beside the document they follow, after the framework:

1. dynamics          document 000: the 2-D gradient picture, the order of events when a run turns
                     unstable, duplicate hidden neurons
2. curriculum        document 001: ensemble agreement, First Correct / Last Mistake, gradient clusters
3. optimizer_paths   document 002: SGD, RMSprop, Adam and AdamW racing on a landscape of two weights
4. complex_mult      document 003: MLPs that learn complex multiplication, their parameters' paths,
                     slices of their loss landscape
5. mandelbrot        document 003: the Mandelbrot set drawn with the exact or the learned product
6. checkpoint        document 004: backpropagation vanilla, memory-poor and checkpointed
7. grokking          document 004: modular addition learned long after it is memorised
8. double_descent    document 004: random features fitted by minimum-norm least squares
9. minima            document 004: a narrow and a wide minimum, large steps and stochastic ones
10. loss_surface     document 004: random-direction slices of the loss surface, the initialisation
11. exp_lr           document 004: Li & Arora's exponential learning rate, runs A and B, step decay
                     and its tapered exponential schedule
12. edge_of_stability  beyond the documents: the sharpness rising to 2 / lr and hovering there

The command-line studies that run them, draw their figures and check their claims are in demos/.
"""
