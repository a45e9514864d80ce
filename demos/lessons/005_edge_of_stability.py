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
# # Lesson 005, beyond the documents: the edge of stability
#
# > "the maximum eigenvalue of the training loss Hessian hovers just above the numerical value 2/(step size), and
# > the training loss behaves non-monotonically over short timescales, yet consistently decreases over long
# > timescales"
#
# Jeremy Cohen, Simran Kaur, Yuanzhi Li, Zico Kolter, Ameet Talwalkar, *Gradient Descent on Neural Networks
# Typically Occurs at the Edge of Stability*, ICLR 2021, abstract (<https://arxiv.org/abs/2103.00065>).
#
# **The question.** Document 000 (lesson 000) saw a run that was stable for 700 iterations suddenly oscillate,
# and asked what announces it. The answer is in none of the five documents: the curvature of the loss grows
# during training until gradient descent's step is too long for it. Where exactly is "too long", and what does
# training do once it gets there?
#
# **At the end you will be able to**
# - derive the stability limit $2/\text{lr}$ from a one-line quadratic;
# - read how minnet measures the sharpness, the top eigenvalue of the loss' Hessian, with exact Hessian-vector
#   products and Lanczos;
# - run the study and check Cohen et al.'s two findings (the sharpness rises to $2/\text{lr}$ and hovers there; the
#   loss keeps falling, not monotonically) with the study's own rules.
#
# Runs in about 15 s of computing (measured: 15 s of CPU).

# %%
from demos import edge_of_stability
from demos.lessons import claim, code, picture, study
from minnet.hessian import hvp, stability_threshold
from minnet.recorders import SharpnessRecorder
from minnet.studies import edge_of_stability as eos
from minnet.tools.sweep import one_blas_thread

# %% [markdown]
# ## 1. Why $2/\text{lr}$
#
# Near a minimum the loss is about quadratic, $L(w) \approx \frac{1}{2} \lambda w^2$ along an eigenvector of the
# Hessian with eigenvalue $\lambda$. One step of gradient descent is $w := w - \text{lr}\, \lambda w =
# (1 - \text{lr}\, \lambda) w$: the distance to the minimum shrinks while $|1 - \text{lr}\, \lambda| < 1$, that is
# while $\lambda < 2/\text{lr}$, and grows, flipping sign at every step, once $\lambda > 2/\text{lr}$. Try it:

# %%
lr = 0.1
for lam in (5.0, 19.0, 21.0):  # 2 / lr = 20
    w = [1.0]
    for _ in range(8):
        w.append((1 - lr * lam) * w[-1])  # w := w - lr lambda w
    print(f"lambda {lam:>4}: " + " ".join(f"{v:+.2f}" for v in w))

# %% [markdown]
# The network's loss is not a quadratic, and its Hessian $H$ changes as it trains; the *sharpness* is its largest
# eigenvalue $\lambda_{\max}(H)$. minnet computes $Hv$ exactly, by differentiating the backward pass once more
# along $v$ (Pearlmutter's R-operator; the derivation is in `minnet/hessian.py`'s docstring):

# %%
code(hvp)

# %% [markdown]
# A few such products are enough for Lanczos to find $\lambda_{\max}$; `SharpnessRecorder` does it every `every`
# steps while `fit` trains, starting each time from the last top eigenvector. For each optimizer the limit is its
# own (with Adam, of the preconditioned Hessian $P^{-1} H$):

# %%
code(SharpnessRecorder.measure)
code(stability_threshold)

# %% [markdown]
# ## 2. The study
#
# A tanh MLP 64-64-64-10 with half squared error learns 300 of the shipped 8x8 digits by full-batch gradient
# descent at three learning rates, and once with Adam; the sharpness is measured every 10 iterations. This is
# `python -m demos.edge_of_stability --quick` (300 iterations; the full study trains 2,000 on 1,000 digits).

# %%
summary, figures = study(edge_of_stability, "--quick")

# %%
picture(figures, "edge_of_stability.png")

# %% [markdown]
# ## 3. The claims, checked by the study's rules
#
# At lr 0.3 and 0.4 the sharpness starts below $2/\text{lr}$, rises to it ("progressive sharpening") and then
# hovers there, the mean of the run's second half within 20% of $2/\text{lr}$:

# %%
for lr in ("0.3", "0.4"):
    row = claim(summary, f"edge_of_stability.sharpens_to_2_over_lr_{lr}")
    assert row["verdict"] == "reproduced"
    row = claim(summary, f"edge_of_stability.hovers_at_2_over_lr_{lr}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# And while it hovers, the loss rises on some iterations yet ends lower than where the sharpness crossed:

# %%
row = claim(summary, "edge_of_stability.loss_falls_non_monotonically_0.4")
assert row["verdict"] == "reproduced"

# %% [markdown]
# What 300 iterations do not show. At lr 0.2 the limit is 10 and the sharpness has not reached it yet; Adam's
# preconditioned sharpness has not reached its $38/\text{lr}$ either. The full study's 2,000 iterations show both
# (`python -m demos.edge_of_stability`). The lesson says so, and checks that it still is so:

# %%
row = claim(summary, "edge_of_stability.sharpens_to_2_over_lr_0.2")
assert row["verdict"] == "differs"
row = claim(summary, "edge_of_stability.adam_preconditioned_38_over_lr")
assert row["verdict"] == "differs"

# %% [markdown]
# ## Your turn
#
# **Predict first.** At lr 0.4 the sharpness rose to about 5. Double the learning rate to 0.8: the limit halves to
# 2.5, and this network starts with a sharpness of 2.56, already above it. Will the run blow up at once, or will
# training find its way to the edge and stay there? Guess, then run; then try lr 2 (limit 1).

# %%
lr = 0.8
config = {"examples": 300, "hidden": [64, 64], "epochs": 300, "every": 10, "lanczos_steps": 10, "seed": 0}
with one_blas_thread():  # one BLAS thread, as the study's runs: the same numbers everywhere, and no waiting threads
    run = eos.train_task(config | {"optimizer": "sgd", "lr": lr})
m = eos.edge_measures(run["sharpness_iteration"], run["sharpness"], run["train_loss"], 2 / lr)
print(f"2/lr = {2 / lr:.3g}; sharpness at the start {m['initial']:.3g}, above 2/lr from iteration {m['crossing']}")
print(f"second half's mean sharpness / (2/lr): {m['late_mean_over_threshold']:.3g}")
print(f"loss at the start {run['train_loss'][0]:.3g}, at the end {run['train_loss'][-1]:.3g}")
if run["diverged_at"] >= 0:
    print(f"diverged at iteration {run['diverged_at']}")

# %% [markdown]
# **Write it.** The backward pass of the R-operator is an exercise: minnet's lines are cut out, and yours are judged
# against finite differences of the gradient, then by the sharpness of document 000's run.
#
# ```bash
# python -m demos.exercises start hessian_vector_product
# ```
#
# **Play with it.** `python -m demos.explore`, then open <http://127.0.0.1:8765/#view=doc000&lr=1&steps=1000>:
# document 000's run with its sharpness against $2/\text{lr}$. The sharpness crosses 2 at iteration 481, long
# before the angle grows (lesson 000): then try lr 0.4 from the start, where $2/\text{lr} = 5$ is never reached.
#
# **Check it.** `python -m demos.edge_of_stability` runs the study at full size; `python -m demos.oscillations`
# shows the crossing in document 000's run; `python -m demos.report --open` puts both on a page.
