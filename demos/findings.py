"""What each source document finds, and which claims rows test it: the inventory beside the claims tables.

A finding is a statement of fact about what training does that a reader would expect a reproduction
to check ("the error oscillates after iteration ~750", "Adam reaches the minimum, SGD does not"); the
documents' setups, definitions and opinions are not findings, and a summary that repeats a finding
(an introduction, a conclusion) is listed once, where the document first shows it. Each finding
names where it is (the section, figure or slide heading, as the claims rows name them), a short quote
exactly as the document writes it, and the ids of the claims rows that test it; a finding no row
tests says why instead (`missing`). A row id that stands for many findings in a shortened run
("oscillations.lr_study", not comparable under --quick) is not listed: it tests none of them.

The report prints one line per document from `without_rows(document, ids of its rows)`: "findings
without a row: none", or the list. tests/test_findings.py holds the inventory to the code and the
documents: every row named exists in its study, every quote is in its document, and every
"document" row of every study tests some finding here (a new row needs its finding).
"""

from typing import NamedTuple


class Finding(NamedTuple):
    where: str
    quote: str
    rows: tuple
    missing: str | None


def finding(*, where, quote, rows, missing=None):
    """One finding of a document: where it is, its quote (one line, as written), the claims rows that test it,
    or, when no row does (rows=[]), why not (missing)."""
    if not (isinstance(where, str) and where and isinstance(quote, str) and quote):
        raise ValueError(f"where and quote must be non-empty text, got where={where!r}, quote={quote!r}")
    if "\n" in quote:
        raise ValueError(f"quote must be one line, got {quote!r}")
    if isinstance(rows, str) or not all(isinstance(r, str) and "." in r for r in rows):
        raise ValueError(f"rows must be a list of claims row ids '<study>.<name>', got {rows!r}")
    if bool(rows) == bool(missing):
        raise ValueError(f"give rows or say why there is none (missing), not both or neither: {quote!r}")
    return Finding(where, quote, tuple(rows), missing)


FINDINGS = {
    "000": [
        finding(where="section 2.1", quote="The learning process is stable and the error continuously decreases, "
                "until iteration $\\sim 750$ where it suddenly increases.", rows=["oscillations.argmin_train"]),
        finding(where="section 2.1, figure 1", quote="The last two plots of figure 1 show the evolution of the "
                "weights, which oscillate when the error is unstable.", rows=[],
                missing="no row measures the weights' oscillation (figure 1 (h), (i) is a picture)"),
        finding(where="section 2.1", quote="first the angle grows: the updates are not aligned anymore",
                rows=["oscillations.order_of_events"]),
        finding(where="section 2.1", quote="The same order holds for $(f_2, 8, 0.1, 1200)$",
                rows=["oscillations.f2_order_of_events"]),
        finding(where="figure 2", quote="the red crosses highlight where the gradient’s norm and the training error "
                "are minimal", rows=["oscillations.argmin_grad_norm", "oscillations.argmin_train",
                                     "oscillations.argmin_test"]),
        finding(where="section 2.1", quote="For hundreds of iterations (iterations 30 to 710), consecutive updates in "
                "the gradient descent are almost perfectly aligned", rows=["oscillations.stable_stretch"]),
        finding(where="section 2.1", quote="while the norm of the gradient continuously decreases", rows=[],
                missing="no row checks that the norm falls over iterations 30-710 (argmin_grad_norm places only "
                "its minimum)"),
        finding(where="section 2.1", quote="the gradient’s norm gets 600 times bigger",
                rows=["oscillations.grad_norm_growth"]),
        finding(where="section 2.2", quote="accordingly leads to the same plots but without the instability, so it "
                "removes the instability at the cost of training time",
                rows=["oscillations.slower_removes_instability"]),
        finding(where="figure 3", quote="reducing the learning rate from 0.4 to 0.3 moves the start of the instability "
                "from iteration $\\sim 9000$ to iteration $\\sim 34000$",
                rows=["oscillations.lr_study_onset_0.3", "oscillations.lr_study_onset_0.4"]),
        finding(where="section 2.2", quote="dividing the learning rate by 1.33 slows learning by a factor of 1.33",
                rows=[], missing="no row compares how fast (f1, 2) learns at lr 0.3 and 0.4 before the onsets"),
        finding(where="section 2.2", quote="multiplies the period of stability by 3.77 (and not 1.33)",
                rows=["oscillations.lr_study_stability_ratio"]),
        finding(where="figure 3", quote="The last plot of figure 3 does not show any instability",
                rows=["oscillations.lr_study_onset_0.2"]),
        finding(where="section 2.2", quote="more neurons lead to slower learning but towards a better performance (if "
                "given enough time)", rows=[], missing="no row compares how fast h = 2 and h = 3 learn (their final "
                "errors are section 3.1's rows)"),
        finding(where="section 3.1, figure 4", quote="achieves a final error of $1.17 \\cdot 10^{-4}$",
                rows=["neurons.final_test_f1_3_0.2"]),
        finding(where="section 3.1, figure 3", quote="achieves a final error of $2.22 \\cdot 10^{-4}$",
                rows=["oscillations.final_error_f1_2_0.2"]),
        finding(where="section 3.1", quote="to see that increasing the number of neurons does improve the performance",
                rows=["neurons.final_test_f1_3_0.2", "oscillations.final_error_f1_2_0.2"]),
        finding(where="section 3.1", quote="the former is still decreasing while later stagnates",
                rows=["neurons.still_decreasing_f1_3_0.2", "oscillations.stagnates_f1_2_0.2",
                                      "oscillations.stagnates_as_figure_3"]),
        finding(where="section 3.1", quote="a slightly higher learning rate leads to faster (but stable) learning and "
                "much better performance", rows=["neurons.higher_lr_much_better"]),
        finding(where="section 3.1", quote="We see that the hidden neurons indeed diverge if given enough time",
                rows=["neurons.neurons_split_sooner_at_0.4"]),
        finding(where="section 3.1, figure 4", quote="we see a very satisfying approximation of the target function",
                rows=[], missing="a picture (figure 4d) without a number"),
        finding(where="section 3.2, figure 5", quote="We see that the error starts to decrease faster around "
                "iteration 15000", rows=[], missing="no row measures when (f2, 20, 0.05, 40,000)'s error speeds up"),
        finding(where="section 3.2, figure 5", quote="the final approximation of $f_2$ is very accurate", rows=[],
                missing="a picture (figure 5b) without a number"),
        finding(where="section 3.2, figure 5", quote="The last two plots of figure 5 show that there are duplicate "
                "neurons", rows=["neurons.f2_duplicates_remain"]),
        finding(where="section 3.3, figure 6", quote="the differences between the different neurons are much bigger",
                rows=["neurons.init_x10_bigger_differences"]),
        finding(where="section 3.3, figure 6", quote="the new curves still follow a similar path", rows=[],
                missing="no row compares the shapes of the x1 and x10 curves"),
        finding(where="section 3.3", quote="The end result is only slightly better (an error of 0.0066 instead of "
                "0.0068)", rows=["neurons.final_test_f1_3_0.1_init1", "neurons.final_test_f1_3_0.1_init10"]),
        finding(where="section 4", quote="$h = 2$ already provides most of the model complexity that $f_1$ needs, but "
                "completely fails to express $f_2$", rows=[], missing="no study trains (f2, 2)"),
    ],
    "001": [
        finding(where="section 1, training accuracy figure", quote="accuracy surpassed 80% within the first 100 "
                "iterations", rows=["curriculum.accuracy_80_iteration"]),
        finding(where="section 1, chunk accuracy figure", quote="learning begins with typical, well-represented "
                "examples and gradually progresses to more challenging ones",
                rows=["curriculum.typical_first", "curriculum.atypical_slower"]),
        finding(where="section 1, chunk accuracy figure", quote="most well-represented examples (chunk 0) are almost "
                "entirely learned within the first 50 iterations", rows=["curriculum.typical_first"]),
        finding(where="section 1, chunk accuracy figure", quote="whereas the accuracy for chunk 9 improves at a much "
                "slower pace", rows=["curriculum.atypical_slower"]),
        finding(where="section 2, cosine figure", quote="the most well-represented chunk has the highest cosine "
                "similarity score, particularly during the first 50 iterations",
                rows=["curriculum.typical_highest_cosine"]),
        finding(where="section 2, norm figure", quote="well-represented examples tend to have smaller gradients",
                rows=["curriculum.typical_smaller_gradients"]),
        finding(where="section 3, FC / LM figures", quote="they are also less forgotten by the network once they’re "
                "learned", rows=["curriculum.top_never_forgotten", "curriculum.bottom_not_secured"]),
        finding(where="section 3, FC / LM figures", quote="learned very early in the training process and were never "
                "forgotten afterward", rows=["curriculum.top_never_forgotten"]),
        finding(where="section 3, FC / LM figures", quote="As examples become less well-represented or more "
                "challenging, the envelope region expands", rows=["curriculum.bottom_not_secured"]),
        finding(where="section 3, FC / LM figures", quote="although the network is making some progress, it fails to "
                "“secure” these learnings", rows=["curriculum.bottom_not_secured"]),
        finding(where="section 4, iteration 0", quote="only a few examples (10% ?) were correctly classified by the "
                "randomly initialized network by luck", rows=["curriculum.accuracy_at_start"]),
        finding(where="section 4, iteration 0 - 120", quote="green points were moving to the left side of the plot "
                "because of low gradient norms, while the red points with large gradients moved to the right side",
                rows=[], missing="no row compares the gradient norms of correctly and wrongly classified examples"),
        finding(where="section 4, cluster of gradients", quote="It’s evident that some examples’ gradients "
                "consistently move together", rows=["curriculum.cones_exist"]),
        finding(where="section 4, contention", quote="particularly after iteration 30, we can observe some clusters "
                "oscillating between positive and negative cosine similarity", rows=[],
                missing="no row follows a cluster's cosine over the iterations (the cones are taken at one)"),
        finding(where="section 4, contention", quote="This reveals example clusters that are “fighting” against each "
                "other during training", rows=["curriculum.contention_sets"]),
        finding(where="section 4, contention", quote="Contention between \"2\"s and \"1\"s",
                rows=["curriculum.contention_digits"]),
        finding(where="section 4, contention", quote="we can see symmetry in the cosine similarity plot and accuracy "
                "plot where one group’s gain is another group’s loss", rows=[],
                missing="no row follows a contention pair's accuracies over the iterations"),
    ],
    "002": [
        finding(where="section 5.1, figure 3a", quote="the gradient will forever be 0 if the weight becomes too "
                "negative", rows=["optimizer_paths.relu_plateau"]),
        finding(where="section 5.1, figure 3b", quote="we note that 3 out of 4 optimizers find the global minima",
                rows=["optimizer_paths.untrained_relu_optimizers_at_minimum"]),
        finding(where="section 5.1, figure 3b", quote="the minimum for these two weights has an MSE of 7.695",
                rows=["optimizer_paths.untrained_relu_minimum"]),
        finding(where="section 5.1, figure 4", quote="The loss landscape is now fairly easy to optimize in, unless the "
                "initialization is too poor, as seen in 4b.", rows=[],
                missing="the trained relu landscape is measured (figure 5's scales); no optimizer is run on it"),
        finding(where="section 5.1, figure 5", quote="Many weights have convex or near-convex landscapes, but notice "
                "the scales in the figure.", rows=["optimizer_paths.trained_relu_varying_scales"]),
        finding(where="section 5.1, figure 6", quote="This slowly speeds up the Adams and RMSprop, but not SGD, which "
                "is why my patience ran out before SGD could make it to the optimum.", rows=[],
                missing="no race on the trained relu network (the races are figures 7, 8 and 9a's sigmoid networks)"),
        finding(where="section 5.2", quote="The untrained sigmoid-activated networks lack the typical ReLU plateaus",
                rows=[], missing="relu_plateau measures the relu grid only; no row measures the sigmoid grid's"),
        finding(where="section 5.2, figure 7", quote="RMSprop is quickly accelerated by its adaptive learning rate, "
                "while the adams are slightly held back by the bias correction.", rows=["optimizer_paths.speed_order"]),
        finding(where="section 5.2, figure 7", quote="AdamW is even slower because of its weight decay.",
                rows=["optimizer_paths.speed_order"]),
        finding(where="section 5.2, figure 7", quote="SGD is the slowest since its propagation is proportional to the "
                "small gradients.", rows=["optimizer_paths.sgd_slowest", "optimizer_paths.speed_order"]),
        finding(where="section 5.2, figure 8", quote="can easily be done by all of the studied optimizers",
                rows=["optimizer_paths.trained_sigmoid_all_succeed"]),
        finding(where="section 5.2, figure 9a", quote="the momentum terms from the Adam optimizers make the process "
                "\"calmer\"", rows=["optimizer_paths.adams_calmer"]),
        finding(where="section 5.2, figure 9a", quote="how well all the adaptive learning rate-based optimizers handle "
                "the difference in gradient sizes and take a \"shortcut\" to the optimum", rows=[],
                missing="no row compares the paths' lengths to the optimum with SGD's"),
        finding(where="section 5.2, figure 9b", quote="In the 9b we also see a case where the weight decay of AdamW "
                "helps out!", rows=[], missing="no race on a landscape whose minimum is near the origin"),
        finding(where="section 5.3, figure 10a", quote="Again, we see the same speed comparison in 10a", rows=[],
                missing="no race on a tanh network"),
        finding(where="section 5.3, figure 10", quote="the weight decay of AdamW actually slows it down enough to "
                "travel in the other direction", rows=[], missing="no race on a tanh network"),
        finding(where="section 5.3, figure 11b", quote="11b is another case where the weight decay draws AdamW in the "
                "correct direction when the gradients are small", rows=[], missing="no race on a tanh network"),
        finding(where="section 5.3, figure 11b", quote="only RMSprop is lucky and fast enough to make it to the minima",
                rows=[], missing="no race on a tanh network"),
        finding(where="section 6", quote="AdamW gets close to the identified minima in 9 out of the 10 cases",
                rows=["optimizer_paths.adamw_close"]),
    ],
    "003": [
        finding(where="model-size table", quote="Unsurprisingly, larger models performed better than smaller ones.",
                rows=["complex_mult.larger_is_better"]),
        finding(where="model-size table", quote="SiLU helped a lot.", rows=["complex_mult.silu_third_of_relu"]),
        finding(where="model-size table", quote="In all cases, train loss was lower than test loss",
                rows=["complex_mult.train_below_test"]),
        finding(where="model-size table", quote="but they were reasonably close", rows=[],
                missing="no row bounds the gap between train and test loss"),
        *(
            finding(where="model-size table", quote=line, rows=[f"complex_mult.model{k}_train_loss",
                                                                 f"complex_mult.model{k}_test_loss"])
            for k, line in enumerate([
                "0 | [] | 6.2571 | 7.6424 |",
                "1 | [10] ReLU | 3.1443 | 3.7585 |",
                "2 | [10, 10] ReLU | 1.6828 | 2.2726 |",
                "3 | [20, 30, 20] ReLU | 0.1662 | 0.3403 |",
                "4 | [20, 30, 20] SiLU | 0.0225 | 0.1108 |",
                "5 | [20, 30, 20] SiLU (1000 epochs) | 0.0036 | 0.0262 |",
            ])
        ),
        finding(where="model-size table, model 3's loss curve", quote="with the first ~6 epochs going through a very "
                "steep drop, then dropping more slowly but ~linearly until epoch ~30-40", rows=[],
                missing="no row measures the phases of model 3's loss curve"),
        finding(where="model-size table, loss curves", quote="the very broad pattern of steep drop at first that "
                "abruptly turns flat holds for all of them", rows=[], missing="no row measures the curves' shapes"),
        finding(where="model-size table", quote="the last model, after its 1000 epochs, did not plateau yet", rows=[],
                missing="no row measures model 5's slope at epoch 1,000"),
        finding(where="neuron grid", quote="it’s clear that indeed more is better",
                rows=["complex_mult.grid_more_is_better"]),
        finding(where="neuron grid", quote="there’s a small effect of “first layer being larger” indeed being the "
                "better choice", rows=["complex_mult.grid_wider_first"]),
        finding(where="learned functions, model 3", quote="it appears that the model just stitches together "
                "piece-wise approximations of the function", rows=[],
                missing="a picture (the difference heatmap) without a number"),
        finding(where="learned functions, model 4", quote="Now, the diff heatmap is smooth at last—no obvious "
                "stitching of pieces", rows=[], missing="a picture (the difference heatmap) without a number"),
        finding(where="Mandelbrot section, model 0", quote="It’s neither Mandelbrot-like, nor even centered around "
                "where it’s supposed to be, nor notably “fractal”.", rows=[],
                missing="the study renders models 3 and 4 only"),
        finding(where="Mandelbrot section, model 2", quote="it’s closer to repetitive noise than anything "
                "fractal-like", rows=[], missing="the study renders models 3 and 4 only"),
        finding(where="Mandelbrot section, model 3", quote="is actually the first one that has some distant "
                "resemblance of Mandelbrot", rows=[], missing="the study renders models 3 and 4 only"),
        finding(where="Mandelbrot section, model 3", quote="But it’s still extremely far off.",
                rows=["mandelbrot.relu_does_not"]),
        finding(where="Mandelbrot section", quote="reducing test loss roughly to a third for otherwise same training "
                "conditions", rows=["complex_mult.silu_third_of_relu"]),
        finding(where="Mandelbrot section, model 4", quote="Well, it basically nails it!",
                rows=["mandelbrot.silu_draws_the_set"]),
        finding(where="Mandelbrot section, model 4", quote="the one based on Model 4 is much less symmetric", rows=[],
                missing="no row measures the picture's symmetry"),
        finding(where="Mandelbrot section", quote="yet their Mandelbrot renderings are worlds apart",
                rows=["mandelbrot.silu_draws_the_set", "mandelbrot.relu_does_not"]),
        finding(where="Mandelbrot training animation, model 3", quote="It really looks as if there’s a Mandelbrot "
                "inside there that’s struggling to push space into its proper shape.", rows=[],
                missing="a picture (the animation) without a number"),
        finding(where="Mandelbrot training animation, model 4", quote="it finds a Mandelbrot-like shape extremely "
                "quickly, even while its loss is still much higher than that of the fully trained model 3",
                rows=["mandelbrot.silu_shape_early"]),
        finding(where="importance of network initialization", quote="ranged from roughly 29 to 38",
                rows=["init_study.test_loss_lowest_0", "init_study.test_loss_highest_0"]),
        finding(where="importance of network initialization", quote="Ranging from roughly 6 to 18.",
                rows=["init_study.test_loss_lowest_10", "init_study.test_loss_highest_10"]),
        finding(where="importance of network initialization", quote="Ranging from about 1.2 to 3.8.",
                rows=["init_study.test_loss_lowest_100", "init_study.test_loss_highest_100"]),
        finding(where="importance of network initialization", quote="one can certainly see that the order of the "
                "models changes a lot", rows=["init_study.rank_churn"]),
        finding(where="importance of network initialization", quote="The 3 that started out worst soon caught up",
                rows=[], missing="no row follows the models worst at the start"),
        finding(where="importance of network initialization", quote="And the one that started out best did not stay "
                "in first place for long.", rows=["init_study.best_not_first_for_long"]),
        finding(where="importance of network initialization", quote="while there is a decent correlation of 0.556",
                rows=["init_study.correlation_5_100"]),
        finding(where="loss landscape, gradient slice", quote="the function’s low point is more towards α = 0.2 or so",
                rows=["landscape_slices.gradient_slice_lowest_point"]),
        finding(where="loss landscape, gradient slice", quote="this loss landscape is just a parabola",
                rows=["landscape_slices.gradient_slice_convex"]),
        finding(where="loss landscape, irregular function", quote="It turns out that even for this function, my "
                "gradient slice looks rather boring", rows=[],
                missing="--target interesting draws it; the claims are made for multiplication only"),
        finding(where="loss landscape, random plane", quote="And I basically got a bowl",
                rows=["landscape_slices.random_plane_bowl"]),
        finding(where="loss landscape, three models", quote="clear minima at (0,0), (1,0) and (0,1), where the trained "
                "models are placed, and something elevated between them",
                rows=["landscape_slices.barrier_between_models"]),
        finding(where="parameter trajectories", quote="While most parameters have “settled down” after the first few "
                "hundred epochs, clearly some of them are still on a mission", rows=[],
                missing="drift_goes_to_zero judges the end of the run, not the first few hundred epochs"),
        finding(where="parameter trajectories", quote="I was also a bit surprised how smoothly many of them are "
                "moving.", rows=[], missing="a picture (the trajectories) without a number"),
        finding(where="parameter trajectories, lr 0.03", quote="many parameters are systematically drifting into one "
                "direction, albeit now in a more noisy fashion", rows=[],
                missing="the study runs lr 0.03 but no row compares it with lr 0.01"),
        finding(where="parameter trajectories, lr 0.03", quote="increasing the learning rate doesn’t appear to help "
                "much with arriving at the resulting configuration that much sooner", rows=[],
                missing="the study runs lr 0.03 but no row compares it with lr 0.01"),
        finding(where="parameter trajectories", quote="this graph shows that the test loss (blue) behaves quite "
                "erratically", rows=[], missing="no row measures the test loss's volatility"),
        finding(where="parameter trajectories", quote="seems to settle around roughly 0.015 (0.15 / 10) without "
                "notably falling further", rows=["trajectories.step_distance_settles"]),
        finding(where="parameter trajectories", quote="the proportion of parameters that consistently drift into a "
                "direction gets closer and closer to 0 over time, after starting out close to 1",
                rows=["trajectories.drift_goes_to_zero"]),
        finding(where="parameter trajectories", quote="It starts out > 0 in the first few hundred epochs", rows=[],
                missing="alignment_negative_after_500 judges the last 500 epochs only"),
        finding(where="parameter trajectories", quote="As we cross 500 epochs though, the dot product becomes "
                "predominantly negative", rows=["trajectories.alignment_negative_after_500"]),
        finding(where="parameter trajectories", quote="compared to ~0.23 with the previous higher learning rate",
                rows=["trajectories.final_test_loss_lr0.01"]),
        finding(where="parameter trajectories, lr 0.001", quote="Indeed, the test loss is much less volatile here",
                rows=[], missing="no run at lr 0.001 after 200 epochs at 0.01"),
        finding(where="parameter trajectories, lr 0.001",
                quote="even reaches a lower loss than before (~0.2 after 3000 epochs", rows=[],
                missing="no run at lr 0.001 after 200 epochs at 0.01"),
        finding(where="parameter trajectories, lr 0.001", quote="the dot product is now (for the observed 3000 epochs) "
                "consistently positive", rows=[], missing="no run at lr 0.001 after 200 epochs at 0.01"),
        finding(where="parameter trajectories, 12k epochs", quote="while the dot product now does generally drop below "
                "0 after around 5000 epochs", rows=[], missing="no 12,000-epoch run at lr 0.001"),
        finding(where="wrapping up", quote="I never encountered a loss actually fully plateauing—it always still "
                "seemed to drop very slowly", rows=[], missing="no row measures the loss's slope at the end of a run"),
        finding(where="Mandelbrot section, the fairer comparison", quote="it achieves a test loss of 0.3435, slightly "
                "above the 0.3403 of model 3", rows=[],
                missing="equal_loss_control quotes it, but the control's test loss is in its note, not its rule"),
        finding(where="Mandelbrot section, the fairer comparison", quote="Even for (roughly) identical loss, they are "
                "worlds apart.", rows=["mandelbrot.equal_loss_control"]),
        finding(where="Mandelbrot section, comment", quote="even after only 10 epochs and a test loss of >1.2, model 4 "
                "already produces something that clearly resembles Mandelbrot", rows=["mandelbrot.silu_shape_early"]),
    ],
    "004": [
        finding(where="line projection", quote="situated close to either $w_0$ or $\\hat{w}$",
                rows=["loss_surface.slice_minimum_at_w_hat"]),
        finding(where="plane projection", quote="draw the projection of the loss surface to the plane, which is "
                "defined by 2 random vectors", rows=["loss_surface.plane_minimum_at_w_hat"]),
        finding(where="Can plane projections be useful?", quote="Figure 6: The loss surface of ResNet-56 with skip "
                "connections", rows=[], missing="minnet has no convolutional or residual networks"),
        finding(where="Can plane projections be useful, really?", quote="Figure 7: Examples of a loss landscape of a "
                "typical CNN model on FashionMNIST and CIFAR10 datasets found with MPO", rows=[],
                missing="minnet has no convolutional networks nor multi-point optimisation"),
        finding(where="impact of initialization", quote="NN loss is highly nonconvex", rows=[],
                missing="no row measures the convexity of document 004's projections"),
        finding(where="impact of initialization", quote="Don't initialize all weights to be the same",
                rows=["loss_surface.all_equal_never_breaks"]),
        finding(where="impact of initialization, figure 8", quote="Figure 8: 22-layer ReLU net: good init converges "
                "faster", rows=[], missing="the study trains one depth and judges whether it converges, not how fast"),
        finding(where="impact of initialization, figure 9", quote="Figure 9: 30-layer ReLU net: good init is able to "
                "converge", rows=["loss_surface.good_init_converges", "loss_surface.small_init_stuck"]),
        finding(where="Grokking", quote="Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
                rows=["grokking.test_long_after_train"]),
        finding(where="Double Descent", quote="Double Descent", rows=["double_descent.peak_at_threshold",
                "double_descent.second_descent_below_classical"]),
        finding(where="Exponential learning rate", quote="Exponential Learning Rate Schedules for Deep Learning",
                rows=["exp_lr.equivalence", "exp_lr.trains_as_well"]),
        finding(where="Wide vs narrow local minima", quote="Узкие и широкие локальные минимумы", rows=[],
                missing="a heading over pictures, no statement; Keskar et al.'s sharp-minima claims are beyond rows"),
        finding(where="Stochasticity allows to escape local minima", quote="Стохастический градиентный спуск "
                "выпрыгивает из локальных минимумов",
                rows=["minima.stochasticity_escapes", "minima.smaller_batches_escape_more"]),
        finding(where="Local divergence can also be benefitial", quote="Градиентный спуск с большим шагом избегает "
                "узкого локального минимума", rows=["minima.large_step_settles_wide"]),
        finding(where="vanishing / exploding gradients", quote="the gradient will decrease exponentially fast and tend "
                "to vanish (hurting learning in lower layers much more)", rows=["loss_surface.vanishing_gradients"]),
        finding(where="vanishing / exploding gradients", quote="Conversely, if several matrices have large norm, the "
                "gradient will tend to explode.", rows=["loss_surface.exploding_gradients"]),
        finding(where="backpropagation slides, figure 12", quote="Optimal in terms of computation: it only computes "
                "each node once.", rows=[], missing="the study counts vanilla's evaluations but no row judges them"),
        finding(where="backpropagation slides, figure 12", quote="The memory usage grows linearly with the number of "
                "layers in the neural network.", rows=["checkpointing.vanilla_memory_linear"]),
        finding(where="backpropagation slides, figure 13", quote="Optimal in terms of memory: there is no need to "
                "store all activations in memory.", rows=["checkpointing.memory_poor_memory_constant"]),
        finding(where="backpropagation slides, figure 13", quote="The number of node evaluations scales with $n^2$ , "
                "whereas it vanilla backprop scaled as n", rows=["checkpointing.memory_poor_evaluations_quadratic"]),
        finding(where="backpropagation slides, figure 14", quote="Trade-off between the **vanilla** and **memory "
                "poor** approaches.", rows=["checkpointing.checkpoint_trade_off"]),
        finding(where="backpropagation slides, figure 14", quote="Faster recalculation of activations f.",
                rows=["checkpointing.checkpoint_trade_off"]),
        finding(where="backpropagation slides, figure 14", quote="Memory consumption depends on the number of "
                "checkpoints. More effective then vanilla approach.", rows=["checkpointing.checkpoint_trade_off"]),
    ],
}  # fmt: skip


def without_rows(document, row_ids):
    """The findings of `document` ("000".."004") that none of `row_ids` (the ids of the report's claims rows)
    tests, in the inventory's order: the report prints them, or "findings without a row: none"."""
    if document not in FINDINGS:
        raise ValueError(f"document must be one of {sorted(FINDINGS)}, got {document!r}")
    if isinstance(row_ids, str):
        raise ValueError(f"row_ids must be a collection of row ids, got the string {row_ids!r}")
    present = set(row_ids)
    return [f for f in FINDINGS[document] if present.isdisjoint(f.rows)]
