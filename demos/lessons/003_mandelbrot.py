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
# # Lesson 003: complex multiplication learned, and the Mandelbrot set drawn with it
#
# > "What does the Mandelbrot set look like when rendered with the learned function instead of real complex
# > number multiplication? [...] It's interesting how Model 3 and Model 4 had test loss values that were not all
# > that far apart (0.34 vs 0.11, respectively), yet their Mandelbrot renderings are worlds apart."
#
# *Visual Exploration of Gradient Descent (many images)*, a LessWrong post (the text is `../shared/seeds/003_*.txt`
# beside this repository), sections "What I Did" and "Rendering Mandelbrot".
#
# **The question.** An MLP 4 -> [20, 30, 20] -> 2 learns $(x, y) \mapsto x y$ for complex $x, y$. Iterate
# $z \mapsto f(z, z) + c$ with the learned $f$ instead of the true product: does the Mandelbrot set appear? The
# post finds that a smooth activation (SiLU) draws it and ReLU does not, even at about the same test loss.
#
# **At the end you will be able to**
# - write complex multiplication as the four-in, two-out function the networks learn;
# - read the escape-time loop that draws the set, with the network in place of the product;
# - run the study and check the post's claims (SiLU draws the set, ReLU's picture is "worlds apart", and this
#   holds at equal loss and after 10 epochs) by the study's measure: how much of the true set's inside the
#   picture's inside covers.
#
# Runs in about 15 s of computing (measured: 16 s of CPU; four networks trained 150, 150, 30 and 10 epochs,
# pictures of 150 x 100 pixels).

# %%
import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm

from demos import mandelbrot
from demos.lessons import claim, code, figure, picture, study
from minnet.studies import complex_mult as cm
from minnet.studies import mandelbrot as mb

# %% [markdown]
# ## 1. The function to learn
#
# $(\mathrm{re}_x + \mathrm{im}_x i)(\mathrm{re}_y + \mathrm{im}_y i) = (\mathrm{re}_x \mathrm{re}_y -
# \mathrm{im}_x \mathrm{im}_y) + (\mathrm{re}_x \mathrm{im}_y + \mathrm{im}_x \mathrm{re}_y) i$: four numbers in,
# two out. The post draws 4,096 inputs from $\mathcal{N}(0, 2^2)$ and splits them 80:20.

# %%
code(cm.multiply)
code(cm.dataset)

# %% [markdown]
# ## 2. The escape-time picture
#
# For each pixel $c$: $z_0 = 0$, $z_k = f(z_{k-1}, z_{k-1}) + c$, coloured by the first $k$ with $|z_k| > 2$; a
# pixel that never escapes is inside the set. With the network, $f(z, z)$ is one forward pass:

# %%
code(mb.network_square)

# %% [markdown]
# minnet's NumPy loop (the Numba kernel in `kernels/mandelbrot.py` computes the same counts, pixel by pixel in
# parallel):

# %%
code(mb.escape_counts)

# %% [markdown]
# ## 3. The study
#
# Models 3 ([20, 30, 20] ReLU) and 4 ([20, 30, 20] SiLU) of the post, trained 150 epochs with Adam (lr 0.01, batch
# 512), model 4 also trained 30 epochs (about model 3's loss: the post's fairer comparison) and 10 (its "already
# resembles Mandelbrot"); each draws the full view and a zoom on the neck. Smaller pictures than the study's
# 600 x 400: `--pixels 150 100`.

# %%
summary, figures = study(mandelbrot, "--pixels", "150", "100")

# %%
picture(figures, "mandelbrot.png")

# %%
picture(figures, "equal_loss_control.png", width=800)

# %% [markdown]
# ## 4. The post's claims, checked by the study's rules
#
# "Draws the set" is measured as the overlap of the picture's inside pixels with the exact set's (intersection over
# union, full view), against a picture with every pixel inside:

# %%
for key in ("silu_draws_the_set", "relu_does_not", "equal_loss_control", "silu_shape_early"):
    row = claim(summary, f"mandelbrot.{key}")
    assert row["verdict"] == "reproduced"

# %% [markdown]
# ## Your turn
#
# **Predict first.** The post's model 2 is smaller, [10, 10] ReLU. Train it 30 epochs: what test loss, and will
# its picture overlap the set better or worse than model 3's? Then switch its activation to `"silu"`: is the
# smoothness enough, or does the size matter more?

# %%
hidden, activation, epochs = [10, 10], "relu", 30
trained = cm.train_task({"hidden": hidden, "activation": activation, "epochs": epochs, "seed": 0})
net = cm.model(hidden, activation)
net.params[:] = trained["params"]
pixels, iterations = (120, 80), 60
learned = mb.render(net, complex(-0.75, 0.0), 3.5, pixels, iterations)
exact = mb.render(None, complex(-0.75, 0.0), 3.5, pixels, iterations)
overlap = mb.inside_overlap(learned == iterations, exact == iterations)
print(f"{hidden} {activation}, {epochs} epochs: test MSE {trained['test_loss'][-1]:.3g}; overlap {overlap:.3f}")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
for ax, counts, title in ((axes[0], exact, "exact product"), (axes[1], learned, f"learned: {hidden} {activation}")):
    image = ax.imshow(counts, extent=(-2.5, 1.0, -1.17, 1.17), cmap="magma", norm=LogNorm(1, iterations))
    ax.set(title=title, xlabel="Re c", ylabel="Im c")
fig.colorbar(image, ax=axes, label=f"escape iteration (log scale; {iterations}: never escapes)")
figure(fig, width=800)

# %% [markdown]
# **Write it.** The gradient that trains these networks is minnet's general backward pass, an exercise: your
# recursion $\delta_{l-1} = (\delta_l W_l) \odot s'(z_{l-1})$ is judged by finite differences, then by training.
#
# ```bash
# python -m demos.exercises start mlp_backward
# ```
#
# **Play with it.** `python -m demos.explore`, then open
# <http://127.0.0.1:8765/#view=mandelbrot&hidden=20,30,20&activation=silu&epochs=150&iter=100>: the exact and the
# learned set side by side; drag to pan, scroll to zoom into the neck, switch to ReLU.
#
# **Check it.** `python -m demos.mandelbrot` (600 x 400 pixels, `--animate` for the training as GIFs) and
# `python -m demos.complex_mult` (the post's model-size table and neuron grid) run the studies at full size;
# `python -m demos.report --open` puts them on a page.
