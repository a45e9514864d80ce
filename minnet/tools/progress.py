"""Progress of long computations, shown in the terminal wherever they run.

`steps(iterable, enabled, desc)` is the loop of every long computation in minnet (training epochs,
compiled chunks of epochs, animation frames). With `enabled` it draws a tqdm bar. Inside a sweep's
task (minnet.tools.sweep), where a bar of its own would garble the terminal, it reports instead to
`REPORT`, which the sweep sets in its workers: the sweep's bar then shows every running task's
progress ("epochs 12,000/50,000") beside the count of finished tasks.
"""

import time

REPORT = None  # callable(desc, done, total) inside a sweep's task; None elsewhere
REPORT_EVERY = 0.5  # seconds between two reports of one loop


def steps(iterable, enabled, desc="epochs", total=None):
    """`iterable` with a progress bar when enabled, or reporting to REPORT inside a sweep's task."""
    if enabled:
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=desc, total=total, leave=False)
    if REPORT is None:
        return iterable
    return reported(iterable, desc, len(iterable) if total is None else total)


def reported(iterable, desc, total):
    """Yield from `iterable`, reporting progress to REPORT every REPORT_EVERY s and at the end."""
    report, last = REPORT, 0.0
    for done, item in enumerate(iterable):
        now = time.monotonic()
        if now - last >= REPORT_EVERY:
            report(desc, done, total)
            last = now
        yield item
    report(desc, total, total)


def animation_bar(frames, enabled, desc="GIF frames"):
    """A progress_callback(frame, total) for matplotlib's Animation.save, and its bar's close."""
    if not enabled:
        return None, lambda: None
    from tqdm.auto import tqdm

    bar = tqdm(total=frames, desc=desc, leave=False)

    def callback(frame, total):
        bar.update(frame + 1 - bar.n)

    return callback, bar.close
