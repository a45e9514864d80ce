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
# # Lesson 000: a stable run that suddenly oscillates
#
# > "A stable learning process suddenly starts to oscillate, and the test/training error grows rapidly. [...]
# > first the angle grows: the updates are not aligned anymore, then the norm of the gradient grows: the updates
# > become bigger and bigger, and finally the error grows"
#
# Marie Peeters, *Experiment 1B: a deeper look into the basic neural network*, May 2025, section 2.1
# (code: <https://github.com/mariezz/visualize-nn-learning>; the text is `../shared/seeds/000_*.txt` beside this
# repository).
#
# **The question.** A network of three hidden units learns $f_1(x) = e^{x/5}$ by full-batch gradient descent
# with learning rate 1. For 700 iterations the error falls smoothly; then it explodes. What announces the storm?
#
# **At the end you will be able to**
# - read the gradient of document 000's network off minnet's code, equation by equation;
# - compute the two measures the document watches, the gradient's norm and the angle between consecutive gradients;
# - run the study and check the document's order of events (angle, then norm, then error) with the study's own rule;
# - say why the storm's iteration moves with the last bit of the arithmetic while the order of events does not.
#
# Runs in about 15 s of computing (measured: 13 s of CPU).

# %%
import numpy as np

from demos import oscillations
from demos.lessons import claim, code, picture, study
from minnet import SGD, TestLoss, TwoLayerNet, fit
from minnet.data import doc000
from minnet.studies.dynamics import event_order, measured_run
from minnet.train import angle_degrees

# %% [markdown]
# ## 1. The network and its gradient
#
# Document 000's network: input $X = [x, 1]$ (the bias unit last), hidden layer $H = [\sigma(U X), 1]$, output
# $O = V H$, error $l = \frac{1}{N} \sum_n \frac{1}{2} (o_n - y_n)^2$. With $e_n = o_n - y_n$, the chain rule gives
#
# $$\frac{\partial l}{\partial V} = \frac{1}{N} \sum_n e_n H_n^T, \qquad
#   \delta_n = (e_n V) \odot \sigma'(U X_n), \quad \sigma' = H (1 - H), \qquad
#   \frac{\partial l}{\partial U} = \frac{1}{N} \sum_n \delta_n X_n^T .$$
#
# Here is the code that computes it, read from minnet's file as it is now (each line's equation beside it):

# %%
code(TwoLayerNet.backprop)

# %% [markdown]
# ## 2. The two measures the document watches
#
# With $G_i$ the gradient at iteration $i$ (all of $U$ and $V$ as one vector, which is how minnet stores them:
# `net.params`), the document plots
#
# $$\|G_i\| = \sqrt{\textstyle\sum_d d^2}, \qquad
#   \alpha_i = \arccos \frac{G_i^T G_{i+1}}{\|G_i\| \, \|G_{i+1}\|}.$$
#
# `fit` records both at every step; the angle comes from this function:

# %%
code(angle_degrees)

# %% [markdown]
# Train the document's run, $(f_1, h = 3, \text{lr} = 1, 1000 \text{ epochs})$, from its seeded data and initial
# weights. One line of `fit`, about a second:

# %%
X, Y, X_test, Y_test = doc000("f1")
net = TwoLayerNet(h=3)  # the document's initial weights, U (2, 2) and V (1, 3)
history = fit(net, X, Y, SGD(net.params, lr=1.0), 1000, recorders=[TestLoss(X_test, Y_test)])
print(f"first error {history['train_loss'][0]:.6f} (the document's notebook: 0.897428)")
order = event_order(history)
for key in ("stable_start", "stable_end", "angle_growth_start", "argmin_grad_norm", "argmin_train_loss"):
    print(f"{key:<20}{order[key]:>6}")

# %% [markdown]
# Read the table as the document reads its figure 1: the angles stay below 1 degree from `stable_start` to
# `stable_end` (the document: "iterations 30 to 710"), then the angle grows, then the norm is smallest and starts
# to grow, then the error is smallest and starts to grow.
#
# ## 3. The study
#
# `demos.oscillations` does this run with everything measured: the figures of the document, the 2-D picture of
# the gradients, the sharpness (the top eigenvalue of the error's Hessian) at every iteration, and ten more runs
# whose inputs differ from the document's in their last bit. The cell runs the study's own command line
# (`--quick`: ten such runs instead of thirty).

# %%
summary, figures = study(oscillations, "--quick")

# %%
picture(figures, "fig1_errors_gradients_weights.png")

# %%
picture(figures, "fig2_gradient_picture.png", width=800)

# %% [markdown]
# ## 4. The document's claims, checked by the study's rules
#
# Each row below is the study's own claims row (`demos/oscillations.py`, `claims`), found by its key; the cell
# asserts its verdict, so this lesson fails the day the statement stops being true.

# %%
row = claim(summary, "oscillations.order_of_events")
assert row["verdict"] == "reproduced"

# %%
row = claim(summary, "oscillations.grad_norm_growth")
assert row["verdict"] == "reproduced"

# %%
row = claim(summary, "oscillations.stable_stretch")
assert row["verdict"] == "reproduced"

# %% [markdown]
# The notebook of document 000 printed 734 as the iteration of the smallest gradient norm; minnet's run gives 728
# on every machine. Which is right? Both: after ~500 iterations the run is chaotic, and moving every input by
# one unit in the last place moves the storm by several iterations. The study judges the notebook's 734 against
# the spread of those runs (`plausible_draw`: inside their central 5-95%):

# %%
row = claim(summary, "oscillations.argmin_grad_norm")
assert row["verdict"] == "reproduced"
row = claim(summary, "oscillations.storm_moves_with_the_last_bit")
assert row["verdict"] == "reproduced"

# %%
picture(figures, "last_bit.png", width=800)

# %% [markdown]
# ## Your turn
#
# **Predict first.** The document (section 2.2) says a smaller learning rate does not remove the instability, it
# postpones it, and by more than the factor you divide the rate by. Halve the learning rate (`lr = 0.5`) and keep
# 2,000 iterations: will the storm come at about twice the iteration (1,450), or later? Will the angle still grow
# first? Then try `lr = 1.2`. Write your guess down, then change `lr` and run the cell.

# %%
lr, epochs = 0.5, 2000
run = measured_run("f1", 3, lr, epochs)
s = run["summary"]
if s["diverged_at"] is not None:
    print(f"diverged at iteration {s['diverged_at']}")
elif s["angle_growth_start"] is None:
    print(f"lr {lr}: no storm in {epochs} iterations; the angles stay below 1 degree from {s['stable_start']} on")
else:
    print(
        f"lr {lr}: angle grows at {s['angle_growth_start']}, norm smallest at {s['argmin_grad_norm']}, "
        f"error smallest at {s['argmin_train_loss']} of {epochs}; the document's order: {s['order_as_document']}"
    )
    print(f"smallest train error {np.min(run['train_loss']):.3g}")

# %% [markdown]
# **Write it.** The gradient you read in part 1 is an exercise: minnet's lines are cut out and your function is
# put in their place, judged by whether it reproduces this lesson's run. So is the angle between consecutive
# gradients, the first of the three events to move.
#
# ```bash
# python -m demos.exercises start two_layer_hidden
# python -m demos.exercises start gradient_angle
# ```
#
# **Play with it.** `python -m demos.explore`, then open
# <http://127.0.0.1:8765/#view=doc000&lr=1&steps=1000>: the same run, live, with the sharpness against $2/\text{lr}$;
# move the learning rate mid-run and watch which curve turns first.
#
# **Check it.** `python -m demos.oscillations` runs the study at full size (the thirty last-bit runs, figure 3's
# learning-rate study with `--lr-study`); `python -m demos.report --open` puts it on a page with the other studies.
