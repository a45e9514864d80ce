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
# # Lesson 001: per-example gradients and the implicit curriculum
#
# > "When humans learn, we typically begin with easy materials and questions, gradually progressing to more
# > difficult topics. Does neural network learning follow a similar pattern? Do networks learn easy or
# > well-represented examples first and move on to more complex ones later?"
#
# *An Empirical Study of Neural Network Training Dynamics*, 2 August 2022, on Medium
# (<https://medium.com/@hu.niel92/an-empirical-study-of-neural-network-training-dynamics-3bf4b659359e>; the text is
# `../shared/seeds/001_*.txt` beside this repository).
#
# **The question.** A 784-8-10 network learns MNIST with plain SGD. After every step, look at every training
# example: is it classified correctly, how large is its own gradient, and does it point along the batch's? Are the
# typical examples learned first, and why?
#
# **At the end you will be able to**
# - rank examples from typical to atypical by ensemble agreement (the Jensen-Shannon divergence between
#   independently trained networks' predictions);
# - compute every example's gradient norm for a layer without forming the gradients, from backpropagation's
#   $a_n$ and $\delta_n$;
# - run the study and check the document's curriculum (typical examples learned first, with the most aligned and
#   smallest gradients) with the study's own rules, and say which findings need the full run.
#
# Runs in about 30 s of computing (measured: 30 s of CPU; it trains three networks, evaluating all 5,000 examples
# after each of their 120 steps).

# %%
import numpy as np

from demos import curriculum
from demos.lessons import claim, code, picture, study
from minnet.per_example import numpy_layer_stats
from minnet.studies.curriculum import ensemble_agreement, first_correct, js_divergence, last_mistake

# %% [markdown]
# ## 1. Typical and atypical: ensemble agreement
#
# Train $R$ networks from different seeds; for each example, average over all pairs of networks the Jensen-Shannon
# divergence between their predicted distributions,
#
# $$\mathrm{JS}(p, q) = \tfrac{1}{2} \left( \mathrm{KL}(p \,\|\, m) + \mathrm{KL}(q \,\|\, m) \right), \quad
#   m = \tfrac{1}{2}(p + q).$$
#
# Low divergence: the networks agree, the example is typical. The study sorts the examples by it and cuts them
# into ten chunks, chunk 0 the most typical.

# %%
code(js_divergence)
code(ensemble_agreement)

# %% [markdown]
# ## 2. Every example's gradient, without forming it
#
# For a dense layer with input $a_n$ and backpropagated error $\delta_n$, example $n$'s gradient is the outer
# product $g_n = \delta_n a_n^T$ (and $\delta_n$ for the bias), so
#
# $$\|g_n\|^2 = (\|a_n\|^2 + 1)\, \|\delta_n\|^2, \qquad g_n \cdot G = \delta_n \cdot (G_W a_n + g_b),$$
#
# with $G$ the mean gradient. Neither needs the $N$ gradients themselves: one backward pass gives all of them.

# %%
code(numpy_layer_stats)

# %% [markdown]
# First Correct and Last Mistake, the document's two measures of forgetting: FC($t$) is the share of examples
# classified correctly at least once up to $t$, LM($t$) the share with no mistake from $t$ on.

# %%
code(first_correct)
code(last_mistake)

# %% [markdown]
# ## 3. The study
#
# `python -m demos.curriculum --quick`: three networks (the document: ten) for 3 epochs (120 iterations; the
# document: 30 epochs) on the 5,000 MNIST images that ship with minnet, batch 128, lr 0.01, with every example
# evaluated after every step.

# %%
summary, figures = study(curriculum, "--quick")

# %%
picture(figures, "curriculum.png")

# %%
picture(figures, "first_correct_last_mistake.png")

# %% [markdown]
# ## 4. The document's claims, checked by the study's rules
#
# The implicit curriculum: chunk 0 (typical) is almost entirely learned within 50 iterations, chunk 9 much more
# slowly; typical examples have the gradients most aligned with the mean, and the smallest.

# %%
for key in ("typical_first", "atypical_slower", "typical_highest_cosine", "typical_smaller_gradients"):
    row = claim(summary, f"curriculum.{key}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# Forgetting: the region between First Correct and Last Mistake is large for the bottom 10%. The document also
# says the top 10% are never forgotten; in this short run, with three networks, their gap is still above the
# study's 5% (the full study, ten networks and 30 epochs, is the one to judge it: `python -m demos.curriculum`).

# %%
row = claim(summary, "curriculum.bottom_not_secured")
assert row["verdict"] == "reproduced"
row = claim(summary, "curriculum.top_never_forgotten")
assert row["verdict"] == "differs"

# %% [markdown]
# Gradient clusters ("cones" of examples whose gradients are within cosine 0.95 of each other) and examples in
# contention with them (cosine at most -0.95):

# %%
row = claim(summary, "curriculum.cones_exist")
assert row["verdict"] == "reproduced"
row = claim(summary, "curriculum.contention_sets")
assert row["verdict"] == "reproduced"

# %%
picture(figures, "clusters_and_contention.png")

# %% [markdown]
# ## Your turn
#
# **Predict first.** Five examples are classified over six iterations (1: right, 0: wrong). Before running the
# cell, write down First Correct and Last Mistake at each iteration, and check that FC $\ge$ accuracy $\ge$ LM.
# Then change a row, e.g. make example 4 right at iteration 2: which curve moves?

# %%
correct = np.array(
    [
        [0, 1, 1, 1, 1, 1],  # learned at iteration 1, never forgotten
        [0, 0, 0, 1, 1, 1],
        [1, 1, 0, 1, 0, 1],  # forgotten twice
        [0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0],  # never learned
    ],
    dtype=bool,
).T  # (iterations, examples), as the study records them
print("accuracy     ", correct.mean(axis=1))
print("First Correct", first_correct(correct).mean(axis=1))  # per example, then the share of examples
print("Last Mistake ", last_mistake(correct).mean(axis=1))

# %% [markdown]
# **Write it.** The per-example norm is an exercise: minnet's two lines are cut out of `numpy_layer_stats`, and
# yours are judged against the materialised gradients, then by the study's curriculum.
#
# ```bash
# python -m demos.exercises start per_example_norm
# ```
#
# (and `softmax_cross_entropy_delta`, the output error $\delta_L$ these norms start from).
#
# **Play with it.** `python -m demos.explore`, then open <http://127.0.0.1:8765/#view=doc001&t=50>: every
# example's gradient norm against its cosine with the mean gradient at iteration 50, as network 0 trains; click a
# point to see the image.
#
# **Check it.** `python -m demos.curriculum` runs the study at the document's size (ten networks, 30 epochs, under
# 2 minutes); `python -m demos.report --open` puts it on a page.
