"""The explorer's views, in one table (VIEWS): the server's routes (ENDPOINTS), GET /api's description, the reading
each view links and the page itself are all built from it.

A view is a module of this package that declares one View (demos/explore/base.py) and a page fragment of the same
name (<name>.html: its section and its one script block, which registers the view with the page's table); adding a
view is adding its module here.
"""

import glob
import os

from demos.claims import declared
from demos.explore import dd, doc000, doc001, grok, mandelbrot, minima, race
from demos.explore.base import TICKET, TICKETS, BadRequest, Endpoint, Sessions, check_value
from demos.explore_cache import NoCache

VIEWS = [doc000.VIEW, race.VIEW, mandelbrot.VIEW, doc001.VIEW, grok.VIEW, minima.VIEW, dd.VIEW]  # the page's order
PROGRESS = {"progress": Endpoint({"ticket": TICKET}, light=True)}  # a long request's progress line, any view's
ENDPOINTS = {name: endpoint for view in VIEWS for name, endpoint in view.endpoints.items()} | PROGRESS

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "page.html")  # the page around the views: the shared script, the nav, the boot
VIEWS_MARK = "<!-- the views -->"  # where the page takes each view's fragment, in the order of VIEWS


# ----- what each view teaches with: its document, the study's source, the exercise, the report page --------
ROOT = os.path.dirname(os.path.dirname(HERE))  # the repository: the sources are served from it
SEEDS = os.path.join(ROOT, "..", "shared", "seeds")  # the source documents, beside the repository (README)
DOCUMENTS = {
    "000": {"title": "Experiment 1B: a deeper look into the basic neural network", "by": "Marie Peeters, 2025",
            "link": "https://github.com/mariezz/visualize-nn-learning"},
    "001": {"title": "An Empirical Study of Neural Network Training Dynamics", "by": "a Medium post, 2022",
            "link": "https://medium.com/@hu.niel92/an-empirical-study-of-neural-network-training-dynamics-3bf4b659359e"},
    "002": {"title": "Visualizing optimization of weights in a neural network", "by": "Axel Orrhede, 2024", "link": None},
    "003": {"title": "Visual Exploration of Gradient Descent (many images)", "by": "a LessWrong post", "link": None},
    "004": {"title": "Lecture slides on loss surfaces (Fashion-MNIST)", "by": "a course's slides", "link": None},
}  # fmt: skip
SOURCES = {path for view in VIEWS for path in view.sources}  # GET /source/<path> serves these only
EXERCISES = {view.exercise for view in VIEWS if view.exercise}  # GET /exercise/<name> serves these only
REPORT = os.path.join("minnet-out", "report")  # where python -m demos.report writes, from the folder it runs in
VIEW_CLAIMS = {view.name: view.claims for view in VIEWS}  # the rows each claim box names (declared in their studies' tables)


def document_file(number):
    """The source document's text file in SEEDS, or None when the documents are not beside the repository."""
    found = sorted(glob.glob(os.path.join(SEEDS, f"{number}_*.txt")))
    return found[0] if found else None


def teaching():
    """GET /api's "views": per view its document (title, by, web link, whether /document/<n> has its text), sources,
    exercise and report page (whether it is built)."""
    out = {}
    for view in VIEWS:
        report = f"{view.study}.html"
        out[view.name] = {
            "document": {"number": view.document, **DOCUMENTS[view.document], "text": document_file(view.document) is not None},
            "study": view.study,
            "exercise": view.exercise,
            "sources": view.sources,
            "report": {"page": report, "built": os.path.isfile(os.path.join(REPORT, report))},
        }  # fmt: skip
    return out


def claims_quoted():
    """GET /api's "claims": per row a claim box names, its declaration in the study's claims table (document,
    where, the sentence it quotes, the quantity, unit, document value and rule): each written once, there."""
    return {row: declared(row) for view in VIEWS for row in view.claims}


def study_rules():
    """GET /api's "rules": the studies' own thresholds the claim boxes apply live (each written once, in the study)."""
    return {name: value for view in VIEWS for name, value in view.rules.items()}


def api_description():
    """GET /api: every endpoint with its parameters' types, bounds and defaults; the views' reading, claims, rules."""
    return {
        "endpoints": {
            f"POST /api/{name}": {k: v.spec() for k, v in endpoint.params.items()}
            for name, endpoint in ENDPOINTS.items()
        },
        "views": teaching(),
        "claims": claims_quoted(),
        "rules": study_rules(),
        "reading": {
            "GET /source/<path>": "a study's source file (those the views list)",
            "GET /exercise/<name>": "the file `python -m demos.exercises start <name>` writes",
            "GET /document/<number>": "the source document's text (when ../shared/seeds is beside the repository)",
            "GET /report/<study>.html": "the study's report page (after python -m demos.report, in this folder)",
        },
        "page": "GET /",
        "this list": "GET /api",
    }


def page():
    """The page (bytes): page.html with each view's fragment, <name>.html, where it marks them, in the order of VIEWS."""
    with open(PAGE, encoding="utf-8") as f:
        shell = f.read()
    fragments = []
    for view in VIEWS:
        with open(os.path.join(HERE, f"{view.name}.html"), encoding="utf-8") as f:
            fragments.append(f.read())
    return shell.replace(VIEWS_MARK, "\n".join(fragments)).encode()


# ----- the endpoints --------------------------------------------------------------------------------
def checked(endpoint, body):
    """The endpoint's parameters from the JSON body, defaults filled in, each checked against its bounds."""
    spec = ENDPOINTS[endpoint].params
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise BadRequest(unknown[0], body[unknown[0]], f"not a parameter of {endpoint} (it takes {', '.join(spec)})")
    return {name: check_value(name, param, body.get(name, param.default)) for name, param in spec.items()}


class Explorer:
    """Every view's endpoints: each view's Handlers made once, with the sessions and the disk cache (None: computed
    every time); handle(endpoint, checked parameters) answers a JSON-able dict."""

    def __init__(self, cache=None):
        self.cache = NoCache() if cache is None else cache
        self.sessions = Sessions()
        self.answers = {"progress": lambda p: {"progress": TICKETS.get(p["ticket"], "")}}
        for view in VIEWS:
            handlers = view.handlers(self.sessions, self.cache)
            for name in view.endpoints:
                self.answers[name] = getattr(handlers, name.rsplit("/", 1)[1])  # "doc000/step": handlers.step

    def handle(self, endpoint, p):
        return self.answers[endpoint](p)
