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
# # Lesson 002: SGD, RMSprop, Adam and AdamW race on two weights
#
# > "In this paper, we will study the optimization of two of the parameters of a smaller neural network to find the
# > best optimization algorithm. Honing in on just the two parameters will allow us to visualize the training
# > process effectively."
#
# Axel Orrhede, *Visualizing optimization of weights in a neural network*, December 2024, section 1 (the text is
# `../shared/seeds/002_*.txt` beside this repository).
#
# **The question.** Freeze every weight of a 3-3-3-3-1 network but two, draw the loss over those two, and let the
# four optimizers loose on it. Which one gets down first, and why does the answer change with the landscape?
#
# **At the end you will be able to**
# - read SGD, RMSprop, Adam and AdamW off minnet's code as the document's equations (3) to (8);
# - say what "all other weights frozen" means in code (`Trainable`);
# - run the race and check the document's claims (the dead relu plateau, the speed order when the gradients are
#   small, the Adams' calm) with the study's own rules.
#
# Runs in about 15 s of computing (measured: 13 s of CPU).

# %%
from demos import optimizer_paths
from demos.lessons import claim, code, figure
from minnet.optim import SGD, Adam, AdamW, RMSprop
from minnet.studies import optimizer_paths as op
from minnet.tools.sweep import one_blas_thread
from minnet.train import Trainable

# %% [markdown]
# ## 1. The four optimizers, as the document writes them
#
# With $g = \nabla_w L^{(t)}$ and the learning rate $\alpha$:
#
# - SGD (3): $w := w - \alpha g$
# - RMSprop (4), (5): $v := \beta_2 v + (1 - \beta_2) g^2, \quad w := w - \alpha g / \sqrt{v + \epsilon}$
# - Adam (6)-(8): $m := \beta_1 m + (1 - \beta_1) g$, $v$ as (4), $\hat m = m / (1 - \beta_1^t)$,
#   $\hat v = v / (1 - \beta_2^t)$, $w := w - \alpha \hat m / (\sqrt{\hat v} + \epsilon)$
# - AdamW (section 4.4): $w := w - \lambda w$, then Adam's step
#
# minnet's code, read from `minnet/optim.py` now (each optimizer updates `self.params` in place):

# %%
code(SGD._update)
code(RMSprop._update)
code(Adam._update)
code(AdamW._update)

# %% [markdown]
# Note the document's RMSprop puts $\epsilon$ inside the square root and Adam outside: minnet follows the document
# (`eps_inside_sqrt=True` by default) and offers PyTorch's convention behind the option.
#
# ## 2. Two weights, the others frozen
#
# `Trainable(net, [i, j])` stands in for the network in `fit`: its parameters are the two chosen weights, its
# gradient their part of the network's gradient.

# %%
code(Trainable)

# %% [markdown]
# ## 3. The race
#
# The study's own `run` and `summary_of`, as `python -m demos.optimizer_paths --quick` runs them (the `--quick` sizes: a 41 x 41 grid, 10 epochs per
# race, 2 random starts; the companion networks' Adam pre-training shortened to 50 epochs). It draws the untrained
# relu network's landscape of two weights of $W_2$ (document figure 3), races the four optimizers on it, and does
# the same on the untrained and trained sigmoid networks the document compares (figures 7 to 9).

# %%
args = optimizer_paths.parser().parse_args(
    ["--quick", "--quiet", "--grid", "41", "--epochs", "10", "--count-starts", "2"]
)
with one_blas_thread():  # as the command line computes: the same sums, so the same numbers, on every machine
    results = optimizer_paths.run(args)
summary = optimizer_paths.summary_of(results)
print(f"weights {summary['weights_of_W2']} of W_2; lowest MSE on the grid {summary['grid_min_loss']:.4g}")

# %%
figure(optimizer_paths.figure_landscape(results, args, with_paths=True), width=650)
figure(optimizer_paths.figure_losses(results, args), width=650)

# %% [markdown]
# ## 4. The document's claims, checked by the study's rules
#
# The flat patch of the relu landscape (section 5.1: "the gradient will forever be 0 if the weight becomes too
# negative"):

# %%
row = claim(summary, "optimizer_paths.relu_plateau")
assert row["verdict"] == "reproduced"

# %% [markdown]
# The speed of the optimizers where the gradients are small, on the untrained sigmoid network (section 5.2,
# figure 7): RMSprop first, the Adams slightly held back by the bias correction, AdamW slower still, SGD last.

# %%
row = claim(summary, "optimizer_paths.speed_order")
assert row["verdict"] == "reproduced"

# %%
row = claim(summary, "optimizer_paths.adams_calmer")
assert row["verdict"] == "reproduced"

# %% [markdown]
# And two the lesson-sized run does not bear out: figure 3b (3 of the 4 optimizers at the minimum) and figure 8 (all
# four at it on the trained sigmoid network). The study judges them over random starts, and two starts of 10 epochs
# are too few (each row says what it measures; its note lists every start's count). The full study races from 8
# starts for 100 epochs: `python -m demos.optimizer_paths`.

# %%
row = claim(summary, "optimizer_paths.untrained_relu_optimizers_at_minimum")
assert row["verdict"] == "differs"
row = claim(summary, "optimizer_paths.trained_sigmoid_all_succeed")
assert row["verdict"] == "differs"

# %% [markdown]
# ## Your turn
#
# **Predict first.** SGD's step is $\alpha g$; Adam's is about $\alpha$ whatever the size of $g$. On the untrained
# sigmoid landscape the gradients are small. If you give SGD ten times the learning rate ($\alpha = 1$), does it
# overtake Adam at $\alpha = 0.1$? Does it reach the minimum at all? Guess, then run; then try $\alpha = 10$.

# %%
sgd_lr = 1.0
sigmoid = op.landscape_and_races("sigmoid", False, None, None, seed=0, count_starts=1, lr=0.1, epochs=10,
                                 batch_size=64, points_per="epoch", grid=41, half_width=3.0, companion=True)  # fmt: skip
net, X, Y, (i, j), start = sigmoid["net"], sigmoid["X"], sigmoid["Y"], sigmoid["param_indices"], sigmoid["starts"][0]
for name, lr in (("sgd", 0.1), ("sgd", sgd_lr), ("adam", 0.1)):
    loss = op.race(net, X, Y, i, j, start, name, lr, 10, 64, seed=0)["loss"]
    print(f"{name:>5} lr {lr:<5}: MSE after epochs 1, 5, 10: {loss[1]:.4f} {loss[5]:.4f} {loss[10]:.4f}")
print(f"lowest MSE on the grid: {sigmoid['grid_min_loss']:.4f}")

# %% [markdown]
# **Write it.** Adam is an exercise: minnet's lines are cut out and your `_update` is put in their place, judged by
# minnet's own update on hand-made gradient sequences and then by this race.
#
# ```bash
# python -m demos.exercises start adam
# ```
#
# (and `rmsprop`, `adamw_decay`, `sgd_momentum`).
#
# **Play with it.** `python -m demos.explore`, then open
# <http://127.0.0.1:8765/#view=race&activation=sigmoid&trained=no&epochs=10&batch=64>: click anywhere on the
# landscape to start the four there; give each its own rate.
#
# **Check it.** `python -m demos.optimizer_paths` runs the study at full size (a 201 x 201 grid, 100 epochs, 8
# starts, the trained networks pre-trained 1,000 epochs); `python -m demos.report --open` puts it on a page.
