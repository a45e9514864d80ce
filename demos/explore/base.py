"""What every view of the explorer is made of: its declaration (View, Endpoint), its parameters with their bounds
(Param, checked one by one by check_value), its sessions and their State, the progress lines of long requests
(TICKETS) and the check that stops work whose page has left (stop_if_abandoned).

A view module (demos/explore/doc000.py, ...) declares one View: the endpoints it answers, each with its parameters'
bounds and defaults (GET /api lists them; the page reads them from there), and a Handlers class whose methods,
named as the endpoints' last part, answer them. demos/explore/registry.py lists the views.
"""

import math
import secrets
import threading
import time
from dataclasses import dataclass, field

from minnet.recorders import Recorder

MAX_SESSIONS = 6  # of each kind; the least recently used goes first
IDLE_SECONDS = 1800


# ----- parameters: every endpoint's, with their bounds (GET /api lists them) -----------------------
@dataclass
class Param:
    kind: str  # "int", "float", "choice", "str", "session"
    default: object = None
    lo: float = None
    hi: float = None
    choices: tuple = ()

    def spec(self):
        return {k: v for k, v in vars(self).items() if v not in (None, ())}


def Int(lo, hi, default):
    return Param("int", default, lo, hi)


def Float(lo, hi, default):
    return Param("float", default, lo, hi)


def Choice(choices, default):
    return Param("choice", default, choices=tuple(choices))


SESSION = Param("session")
TICKET = Param("str", "-")  # the page's name for a long request's progress line (POST /api/progress)


class BadRequest(ValueError):
    """A parameter out of its bounds: answered 400, naming it."""

    def __init__(self, parameter, value, why):
        quoted = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."  # a 400-digit integer, cut
        super().__init__(f"parameter {parameter}: {why}, got {quoted}")
        self.parameter = parameter


def check_value(name, param, value):
    """The value of parameter `name` as its Param allows it (an int, a float, one of the choices, a string), or
    BadRequest naming it."""
    if value is None and param.default is None and param.kind != "session":
        return None  # an optional parameter left out
    if param.kind in ("session", "str"):
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise BadRequest(name, value, "must be a string of 1 to 64 characters")
        return value
    if param.kind == "choice":
        if not isinstance(value, str) or value not in param.choices:
            raise BadRequest(name, value, f"must be one of {', '.join(map(str, param.choices))}")
        return value
    # Python's int has no limit (JSON's 10**400 is one): compare it exactly, never through float
    whole = isinstance(value, int) and not isinstance(value, bool)
    number = whole or (isinstance(value, float) and math.isfinite(value))
    if param.kind == "int" and not (whole or (number and value.is_integer())):
        raise BadRequest(name, value, "must be an integer")
    if not (number and param.lo <= value <= param.hi):
        raise BadRequest(name, value, f"must be a finite number in [{param.lo:g}, {param.hi:g}]")
    return int(value) if param.kind == "int" else float(value)


# ----- a view's declaration ---------------------------------------------------------------------------
@dataclass
class Endpoint:
    """POST /api/<name>: its parameters (name: Param); light: answered without waiting for a heavy-work slot;
    memory: for an endpoint whose memory grows with a parameter, params -> the bytes it needs (checked first)."""

    params: dict
    light: bool = False
    memory: object = None


@dataclass
class View:
    """One view of the page. name: its section's id on the page and view= in the address; document: the source
    document's number; study: `python -m demos.<study>` and its report page <study>.html; exercise: the
    `python -m demos.exercises` exercise that builds its core (None: none); sources: the files its page links
    (GET /source/<path> serves these); claims: the claims rows its claim box names (their studies' claims tables declare them);
    rules: the studies' thresholds its claim box applies; endpoints: "<prefix>/<what>": Endpoint; handlers: the
    class (made once per server with the sessions and the cache) whose method <what> answers each endpoint."""

    name: str
    document: str
    study: str
    exercise: object
    sources: list
    claims: list
    endpoints: dict
    handlers: type
    rules: dict = field(default_factory=dict)


class Handlers:
    """A view's endpoints, answered by the methods named as their last part: each takes the checked parameters and
    returns a JSON-able dict. The sessions (every view's) and the disk cache are the server's."""

    def __init__(self, sessions, cache):
        self.sessions, self.cache = sessions, cache


# ----- sessions -------------------------------------------------------------------------------------
class Sessions:
    """The views' states by id, per kind at most MAX_SESSIONS, dropped after IDLE_SECONDS unused."""

    def __init__(self):
        self.lock, self.items = threading.Lock(), {}

    def add(self, state):
        with self.lock:
            now = time.monotonic()
            self.items = {k: v for k, v in self.items.items() if now - v.used < IDLE_SECONDS}
            same = sorted((v.used, k) for k, v in self.items.items() if type(v) is type(state))
            for _, k in same[: max(0, len(same) - MAX_SESSIONS + 1)]:
                del self.items[k]
            key = secrets.token_hex(8)
            state.used, self.items[key] = now, state
            return key

    def get(self, key, kind=None):
        with self.lock:
            state = self.items.get(key)
            if state is None or (kind is not None and not isinstance(state, kind)):
                raise BadRequest("session", key, "no such session (it may have expired: start the view again)")
            state.used = time.monotonic()
            return state


class State:
    """What every session has: a lock (one request at a time) and a generation counter (a newer request
    supersedes a running one, which stops at its next check)."""

    def __init__(self):
        self.lock, self.generation, self.used = threading.Lock(), 0, time.monotonic()


# ----- long work: its progress line, and a stop when its page has left ----------------------------------
class Tickets(dict):
    """Progress lines of long requests, by a ticket the page chose (it asks POST /api/progress while it waits)."""

    def report(self, ticket, line):
        if ticket != "-":
            self[ticket] = line
            while len(self) > 100:  # bounded: the oldest tickets go first
                del self[next(iter(self))]


TICKETS = Tickets()
CLIENT = threading.local()  # the connection a worker thread answers: has its client gone? (set by the server)


class Abandoned(Exception):
    """The client of a long request closed its connection: the work stops at its next epoch or chunk."""


def abandoned():
    """True when the client of this thread's request closed its connection (the page left): long work stops."""
    gone = getattr(CLIENT, "gone", None)
    return gone is not None and gone()


def stop_if_abandoned():
    if abandoned():
        raise Abandoned


class ProgressRecorder(Recorder):
    """Reports "what: epoch e of E" under a ticket after every epoch; stops the training if the page left."""

    def __init__(self, ticket, what, epochs):
        self.ticket, self.what, self.epochs = ticket, what, epochs

    def after_epoch(self, net, epoch):
        TICKETS.report(self.ticket, f"{self.what}: epoch {epoch + 1} of {self.epochs}")
        stop_if_abandoned()

    def result(self):
        return {}
