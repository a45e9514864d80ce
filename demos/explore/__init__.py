"""Play with it: a live page in the browser whose every number is computed by minnet's own code.

    python -m demos.explore [--port 8765] [--open]

The page has seven views, each tied to a document and a study, each a module of this package and a page fragment
of the same name:

- doc000 (document 000, live): TwoLayerNet trained by `fit` and `SGD`, a few steps per request; errors, gradient
  norm, angle, the sharpness against 2/lr, the 2-D gradient picture, the learned function and its units' shares.
- race (document 002, the optimizer race): the two-weight landscape; a click starts the four optimizers there.
- mandelbrot (document 003): the exact and the learned multiplication's Mandelbrot sets side by side.
- doc001 (document 001, per-example gradients): the study's ten networks' agreement colours every example's
  gradient norm and cosine with the mean gradient as network 0 trains.
- grok (document 004, grokking): the study's run stepped on a log axis.
- minima (document 004, narrow and wide minima): where gradient descent or SGD ends, against 2/lambda.
- dd (document 004, double descent): the study's curve for one seed, drawn as its widths are fitted.

The modules:

    server.py     the HTTP server: the page, GET /api, the POST endpoints, the reading; Host, Origin and
                  Content-Type checks, slots for heavy work, memory and body limits; main()
    registry.py   the table of views (VIEWS), from which the routes, GET /api and the page are built; Explorer
    base.py       what a view declares (View, Endpoint, Param) and uses (Handlers, Sessions, State, progress)
    <view>.py     one view: its state, its Handlers, its VIEW (endpoints with their bounds and defaults, reading)
    page.html     the page around the views: the shared script (requests, plots, links, the address), the nav
                  built from the views' table, the boot that reads GET /api before a view starts
    <view>.html   one view's section and its one script block, which registers the view in the page's table

Adding a view: write <view>.py declaring VIEW (its science from minnet.studies), <view>.html (a section and a
script ending in register("<view>", {label, start})), add VIEW to registry.VIEWS, and a test in
tests/test_explore.py.
"""

from demos.explore.base import MAX_SESSIONS, BadRequest, Sessions, State
from demos.explore.doc001 import DOC001
from demos.explore.grok import Grok
from demos.explore.mandelbrot import Models
from demos.explore.registry import (
    ENDPOINTS,
    ROOT,
    VIEW_CLAIMS,
    VIEWS,
    Explorer,
    api_description,
    checked,
    claims_quoted,
    document_file,
    page,
    study_rules,
)
from demos.explore.server import Refused, Slots, main, make_server, parsed

__all__ = [
    "DOC001", "ENDPOINTS", "MAX_SESSIONS", "ROOT", "VIEWS", "VIEW_CLAIMS", "BadRequest", "Explorer", "Grok", "Models",
    "Refused", "Sessions", "Slots", "State", "api_description", "checked", "claims_quoted", "document_file", "main",
    "make_server", "page", "parsed", "study_rules",
]  # fmt: skip
