# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 004: loss surfaces, initialisation, double descent and checkpointing
#
# > "Initially, we generate a random Gaussian direction $w_1 \in \mathbb{R}^p$, which inherits the magnitude of the
# > original neural network weights for each parameter group. [...] It's not feasible to maintain the entirety of
# > the information when transforming a space with 100,000 dimensions into a one-dimensional line through
# > projection. However, certain properties can still be established."
#
# Lecture slides *Loss surface of Neural Networks* (Fashion-MNIST), the slides "Visualizing loss surface of
# neural network via line projection", "Impact of initialization", "Double Descent", "Vanilla backpropagation" and
# "Exponential learning rate" (the text is `../shared/seeds/004_*.txt` beside this repository; the slides cite Li et
# al., *Visualizing the Loss Landscape of Neural Nets*, <https://arxiv.org/abs/1712.09913>, Belkin et al.,
# *Reconciling modern machine learning practice and the bias-variance trade-off*, <https://arxiv.org/abs/1812.11118>,
# and Li & Arora, *An Exponential Learning Rate Schedule for Deep Learning*, <https://arxiv.org/abs/1910.07454>).
#
# **The question.** A network has thousands of weights; what can a line or a plane through them tell us about its
# loss? And what do the slides' other pictures claim: that initialisation decides whether a deep network trains,
# that a model with more weights than examples can generalise better again, that memory can be traded for
# recomputation in backpropagation, that a learning rate growing exponentially can train a network?
#
# **This lesson takes five of the slides' topics**: loss-surface projections with the initialisation study,
# double descent, gradient checkpointing, and the exponential learning rate. It leaves grokking and the wide-and-narrow minima to their studies
# (`python -m demos.grokking`, `python -m demos.minima`, and the explorer's views below): grokking needs tens of
# thousands of AdamW steps before the test accuracy jumps, and the minima's network part several seeds, more than
# a lesson's 90 seconds.
#
# **At the end you will be able to**
# - draw a filter-normalised random direction and the loss along it, and read what such a picture can and cannot
#   say;
# - say why all-equal weights never train and why a deep relu network needs He's scale;
# - fit a model past the interpolation threshold with the minimum-norm least-squares solution and see the second
#   descent;
# - count the memory and the work of vanilla, memory-poor and checkpointed backpropagation;
# - follow the backward pass of batch normalisation through the mean and the variance, and say why it makes weight
#   decay the same training as an exponentially growing learning rate;
# - check each of the slides' claims with the studies' own rules.
#
# Runs in about 30 s of computing (measured: 25 s of CPU).

# %%
from demos import checkpointing, double_descent, exp_lr, loss_surface
from demos.lessons import claim, code, picture, study
from minnet import normalisation
from minnet.landscape import random_direction
from minnet.studies import double_descent as dd
from minnet.studies.checkpoint import formulas, recompute

# %% [markdown]
# ## 1. Loss surfaces through random directions
#
# $L(\alpha) = L(w + \alpha d)$ along a Gaussian direction $d$, and $L(\alpha, \beta) = L(w + \alpha d_1 + \beta
# d_2)$ on a plane. "Inherits the magnitude of the original weights": Li et al.'s filter normalisation rescales
# each row of each $W_l$ of $d$ to the norm of that row of $W_l$, $\; d_{l,i} \leftarrow d_{l,i}\, \|W_{l,i}\| /
# \|d_{l,i}\|$, so that a step $\alpha = 1$ means the same thing in every layer.

# %%
code(random_direction)

# %% [markdown]
# The study trains a 784-32-10 relu classifier with Adam on the 5,000 MNIST images that ship with minnet (the
# lecture's Fashion-MNIST cannot ship), draws the surfaces around the initial and the trained weights, and trains
# the same network, and a deep relu one, from five initialisations. `--quick`: 3 epochs, 11 points per slice, a
# 7 x 7 plane, a 6-layer deep network.

# %%
surface, figures = study(loss_surface, "--quick")

# %%
picture(figures, "surface_1d.png", width=650)
picture(figures, "initialisation.png")

# %% [markdown]
# The slides' claims, by the study's rules: the trained weights are the lowest point of their line and of their
# plane; all-equal weights never break their symmetry; a too-large initialisation explodes the gradient; He's
# converges and a too-small one learns nothing.

# %%
for key in ("slice_minimum_at_w_hat", "plane_minimum_at_w_hat", "all_equal_never_breaks", "exploding_gradients",
            "good_init_converges", "small_init_stuck"):  # fmt: skip
    row = claim(surface, f"loss_surface.{key}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# One the 6-layer network of `--quick` does not bear out: the vanishing gradient's per-layer factor is compared
# with He et al.'s $\sigma \sqrt{n/2}$, which needs the depth of the full study (20 layers,
# `python -m demos.loss_surface`).

# %%
row = claim(surface, "loss_surface.vanishing_gradients")
assert row["verdict"] == "differs"

# %% [markdown]
# ## 2. Double descent
#
# Random relu features $a_1 = \mathrm{relu}(X W_1^T + b_1)$ of a frozen first layer, and a last layer fitted by the
# minimum-norm least-squares solution $B = [a_1\ 1]^+ Y$. With $N$ hidden units the last layer has $10(N + 1)$
# weights; from $N + 1 = n$ on it fits the $n$ training labels exactly (the interpolation threshold), and among the
# exact fits the pseudo-inverse picks the smallest.

# %%
code(dd.fit_readout)

# %% [markdown]
# `python -m demos.double_descent --quick`: 200 training images with 10% of their labels redrawn, widths from 10 to
# 2,000, two seeds.

# %%
curve, figures = study(double_descent, "--quick")

# %%
picture(figures, "double_descent.png")

# %%
for key in ("peak_at_threshold", "second_descent_below_classical", "interpolates_from_threshold"):
    row = claim(curve, f"double_descent.{key}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# ## 3. Memory against recomputation: checkpointed backpropagation
#
# Vanilla backpropagation keeps all $L$ activations; the memory-poor one keeps none and recomputes each from the
# input, $L + L(L-1)/2$ layer evaluations; checkpointing every $k$-th layer keeps $L/k + k$ and recomputes only from
# the last checkpoint below. The recomputation:

# %%
code(recompute)
code(formulas)

# %%
counts, figures = study(checkpointing, "--quick")

# %%
picture(figures, "checkpointing.png")

# %%
for key in ("gradients_identical", "vanilla_memory_linear", "memory_poor_evaluations_quadratic",
            "memory_poor_memory_constant", "checkpoint_trade_off"):  # fmt: skip
    row = claim(counts, f"checkpointing.{key}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# ## 4. The exponential learning rate
#
# > **Exponential learning rate**
# >
# > • Exponential Learning Rate Schedules for Deep Learning
#
# The slide's row names Li & Arora's result. Batch normalisation standardises each hidden unit over the batch,
# $\hat z = (z - \mu) / \sqrt{\sigma^2 + \epsilon}$, so with $\epsilon = 0$ the loss does not change when a
# normalised layer's weights $w$ are multiplied by any $c > 0$: $L(cw) = L(w)$ and $\nabla L(cw) = \nabla L(w) / c$.
# Then training with a constant learning rate $\eta$ and weight decay $\lambda$ (run A) computes the same network
# functions as training without weight decay with the learning rate growing as $\eta\,\alpha^{-2t-1}$ (run B),
# $\alpha = 1 - \eta\lambda$ without momentum and with momentum $\gamma$ the larger root of $x^2 - (1 + \gamma -
# \eta\lambda)\,x + \gamma = 0$, B's weights being A's times $\alpha^{-t}$. The gradient that flows into those
# weights passes through the normalisation's backward pass: each example's $\hat z$ depends on the whole batch
# through $\mu$ and $\sigma^2$, so $dz$ adds three paths, directly, through the variance and through the mean.

# %%
code(normalisation.backward)

# %% [markdown]
# `python -m demos.exp_lr --quick`: a batch-normalised 784-16-16-10 on MNIST-5k; runs A and B from the same weights
# through the same batches for 20 steps, with momentum 0 and 0.9, and the same pair without normalisation (the
# control); then step decay against its exponential counterpart, two seeds each for two epochs.

# %%
equivalence, figures = study(exp_lr, "--quick")

# %%
picture(figures, "exp_lr_equivalence.png")

# %% [markdown]
# The slide's claim by the study's rule: the two runs' outputs agree at every step to within $10^{-9}$ (relative).

# %%
row = claim(equivalence, "exp_lr.equivalence")
assert row["verdict"] == "reproduced"

# %% [markdown]
# **Your turn:** write this backward pass yourself, `python -m demos.exercises start batchnorm_backward`; its check
# runs such a pair of runs A and B with your code.

# %% [markdown]
# ## Your turn
#
# **Predict first.** The slides' counts for a network of $L = 64$ layers: how many layers does each strategy hold,
# and how many layer evaluations does it make, with $k = 8$? And which $k$ holds the fewest layers? Write your
# numbers down, then run.

# %%
L = 64
for k in (2, 4, 8, 16, 32):
    held, evaluations = formulas(L, k)["checkpoint"]
    print(f"checkpoint every {k:>2}: {held:>3} layers held, {evaluations:>4} evaluations")
print("vanilla: {} held, {} evaluations; memory-poor: {} held, {} evaluations".format(
    *formulas(L, 8)["vanilla"], *formulas(L, 8)["memory_poor"]))  # fmt: skip

# %% [markdown]
# **Write it.** Four exercises cut from this lesson's code: the filter-normalised direction, the minimum-norm last
# layer, the recomputation from a checkpoint, and the backward pass of batch normalisation.
#
# ```bash
# python -m demos.exercises start filter_normalised_direction
# python -m demos.exercises start min_norm_readout
# python -m demos.exercises start checkpoint_recompute
# python -m demos.exercises start batchnorm_backward
# ```
#
# **Play with it.** `python -m demos.explore`, then open <http://127.0.0.1:8765/#view=dd&n=200&label_noise=0.1>
# (the double-descent curve drawn width by width), <http://127.0.0.1:8765/#view=grok> (grokking, stepped on a log
# axis) or <http://127.0.0.1:8765/#view=minima&lr=0.5> (where gradient descent settles, narrow or wide minimum).
#
# **Check it.** `python -m demos.loss_surface`, `demos.double_descent`, `demos.checkpointing`, `demos.exp_lr`,
# `demos.grokking` and `demos.minima` run the studies at full size; `python -m demos.report --open` puts them on pages.
