"""Play with it: a live page in the browser whose every number is computed by minnet's own code (the explorer's server).

    python -m demos.explore [--port 8765] [--open] [--cache DIR] [--no-cache]

Starts a web server on this machine only (127.0.0.1), prints the page's address and, with --open,
opens it in the default browser. Ctrl-C stops it. It serves the page (demos/explore/page.html around
each view's fragment, nothing fetched from anywhere else), GET /api (every endpoint's parameters with
their bounds and defaults, each view's reading, claims and rules: demos/explore/registry.py) and the
views' POST endpoints, and the reading the views link: GET /source/<path> (the files the views list),
/exercise/<name>, /document/<number> (../shared/seeds), /report/<study>.html.

Nothing is shipped precomputed. What takes long (document 001's ten networks, the Mandelbrot models,
double descent's points) is computed on first use and kept in the user's cache folder (--cache,
demos/explore_cache.py), keyed by its settings and by minnet's version and source files: an edit to
minnet/optim.py or to TwoLayerNet's backward pass still changes what the page shows after the server
restarts.

The server is the standard library's ThreadingHTTPServer; each view's state lives in a session (one
per browser tab and view, at most MAX_SESSIONS of each kind, dropped after IDLE_SECONDS unused).
Every parameter is checked against GET /api's bounds; a bad one is answered 400 with a JSON error
naming it.

It answers only its own page, before any work: a Host header other than 127.0.0.1:PORT or localhost:PORT
is refused 403 (DNS rebinding), a POST whose Origin is another site's 403 and one that is not
Content-Type application/json 415 (the form or text/plain fetch another site's page may send without
asking); every refusal discards the body and closes the connection, so a body is never read as a second
request. At most one heavy request per core runs at a time (others wait up to 10 s, then 503 busy); a
request needing more memory than the machine has free for one of them is refused 503; an idle or
half-sent connection is dropped after 30 s; long work whose page has left stops at its next epoch or chunk.
"""

import argparse
import contextlib
import json
import os
import re
import select
import socket
import sys
import threading
import webbrowser
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from demos.cli import OneLineErrors, available_memory, int_in
from demos.explore.base import CLIENT, Abandoned, BadRequest
from demos.explore.registry import (
    DOCUMENTS,
    ENDPOINTS,
    EXERCISES,
    REPORT,
    ROOT,
    SOURCES,
    Explorer,
    api_description,
    checked,
    document_file,
    page,
)
from demos.explore_cache import DiskCache, default_folder
from minnet.tools.atomic import strict
from minnet.tools.threads import one_numba_thread, one_thread_each

MAX_BODY = 16_384  # bytes of a request body
HOSTS = ("127.0.0.1", "localhost")
REPORT_FILES = re.compile(r"[\w-]+\.html|[\w-]+/[\w.-]+\.(png|svg|txt|json)")  # a study's page and its figures


# ----- the server -----------------------------------------------------------------------------------
class Refused(Exception):
    """A request refused before any work (a foreign Host or Origin, a body that is not JSON, a method or a
    path the explorer does not serve, no free slot): answered with its status and reason, the connection closed."""

    def __init__(self, status, reason, parameter=None):
        super().__init__(reason)
        self.status, self.parameter = status, parameter


HOST = re.compile(f"({'|'.join(map(re.escape, HOSTS))})" + r"(?::(\d{1,5}))?")  # the whole Host header, nothing else


def client_gone(connection):
    """A closed connection reads as ready with nothing to read (a client that sent more is still there)."""
    try:
        ready, _, _ = select.select([connection], [], [], 0)
        return bool(ready) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Handler(BaseHTTPRequestHandler):
    """Serves the page, GET /api and the POST endpoints to the explorer's own page only: the Host header must name
    this machine and port (DNS rebinding), a POST's Origin, if the browser sent one, must be that same address
    (another site's page), and its Content-Type application/json (a form or a text/plain fetch, which browsers
    send cross-site without asking). Every refusal discards the body and closes the connection."""

    explorer = None  # set by make_server
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may sit idle or half-sent
    error_content_type = "application/json"
    error_message_format = '{"error": "%(code)d %(message)s: %(explain)s"}'

    def log_message(self, format, *args):  # quiet: the terminal shows the address and errors only
        pass

    # ----- what is checked before any work
    def own_address(self):
        """The Host header if it names this machine and this server's port, else Refused 403."""
        host = self.headers.get("Host", "")
        match = HOST.fullmatch(host)
        port = self.server.server_address[1]
        if not match or int(match.group(2) or 80) != port:
            raise Refused(
                403,
                f"Host {host[:100]!r} is not this explorer's: it answers only 127.0.0.1:{port} and localhost:{port}",
            )
        return host

    def check_post(self):
        """Host, Origin and Content-Type of a POST: the explorer's own page, sending JSON."""
        host = self.own_address()
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            raise Refused(
                403,
                f"Origin {origin[:100]!r} is not this explorer's page (http://{host}): another site's page cannot drive it",
            )
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refused(415, f"Content-Type must be application/json, got {content_type[:100]!r}")
        if "Transfer-Encoding" in self.headers:
            raise Refused(411, "send the body with a Content-Length, not Transfer-Encoding")

    def declared_length(self):
        """The Content-Length header as a number of bytes (0 if absent), None if it is not one."""
        text = self.headers.get("Content-Length", "0")
        if not (text.isascii() and text.isdigit()):
            return None
        return int(text) if len(text) <= 18 else 10**18  # past int()'s 4,300 digits too: more than any body

    def body_length(self):
        length, text = self.declared_length(), self.headers.get("Content-Length", "0")
        if length is None:
            raise Refused(
                400, f"parameter Content-Length: must be a whole number of bytes, got {text[:40]!r}", "Content-Length"
            )
        if length > MAX_BODY:
            raise Refused(413, f"parameter body: must be at most {MAX_BODY} bytes, got {length}", "body")
        return length

    def discard_body(self):
        """Read what the client sent so that the refusal reaches it (closing over unread bytes resets the
        connection); never parsed as another request: the connection closes after the answer."""
        self.close_connection = True
        try:
            length = self.declared_length()
            if length is not None and length <= MAX_BODY:
                self.rfile.read(length)
        except OSError:
            pass

    # ----- answers
    def send(self, status, body, content_type="application/json"):
        # NaN and inf as null: the page draws none
        data = body if isinstance(body, bytes) else json.dumps(strict(body), allow_nan=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
            )
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client left (a broken pipe, a reset): nobody to answer
            self.close_connection = True

    def refuse(self, refused, body_read=False):
        if body_read:
            self.close_connection = True
        else:
            self.discard_body()
        body = {"error": str(refused)}
        if refused.parameter:
            body["parameter"] = refused.parameter
        self.send(refused.status, body)

    def method_not_allowed(self):
        self.refuse(Refused(405, f"{self.command} is not served: the explorer answers GET and POST"))

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = method_not_allowed

    def do_GET(self):
        try:
            self.own_address()
            if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
                raise Refused(400, "a GET has no body")
        except Refused as refused:
            return self.refuse(refused)
        path = urlsplit(self.path).path
        if path == "/":
            return self.send(200, page(), HTML)
        if path == "/api":
            return self.send(200, api_description())
        try:
            data, content_type = reading(path)
        except Refused as refused:
            return self.refuse(refused)
        return self.send(200, data, content_type)

    def do_POST(self):
        try:
            self.check_post()
            length = self.body_length()
            path = urlsplit(self.path).path
            endpoint = path.removeprefix("/api/")
            if not path.startswith("/api/") or endpoint not in ENDPOINTS:
                raise Refused(404, f"no such endpoint: {path[:100]} (GET /api lists them)")
        except Refused as refused:
            return self.refuse(refused)
        try:
            params = checked(endpoint, parsed(self.rfile.read(length)))
            with self.server.slots.taken(endpoint, params):
                CLIENT.gone = lambda: client_gone(self.connection)
                result = self.explorer.handle(endpoint, params)
        except BadRequest as err:
            return self.send(400, {"error": str(err), "parameter": err.parameter})
        except Refused as refused:  # busy, or too big for the memory free
            return self.refuse(refused, body_read=True)
        except Abandoned:
            self.close_connection = True  # its client left: nobody to answer
            return None
        except Exception as err:  # noqa: BLE001  a bug, not bad input: the page shows it; the server goes on
            return self.send(500, {"error": f"{type(err).__name__}: {err}"})
        finally:
            CLIENT.gone = None
        return self.send(200, result)


TEXT, HTML = "text/plain; charset=utf-8", "text/html; charset=utf-8"
IMAGES = {".png": "image/png", ".svg": "image/svg+xml", ".txt": TEXT, ".json": "application/json"}


def reading(path):
    """(bytes, content type) of a page linked from a view: a source file, an exercise's starter, a document, a
    report page or figure; Refused 404 for anything else (nothing outside these lists is served)."""
    kind, _, name = path.removeprefix("/").partition("/")
    if kind == "source" and name in SOURCES:
        with open(os.path.join(ROOT, name), "rb") as f:
            return f.read(), TEXT
    if kind == "exercise" and name in EXERCISES:
        from demos.exercises import starter

        header = f"# python -m demos.exercises start {name}  writes this file; python -m demos.exercises check {name}  checks it\n\n"
        return (header + starter(name)).encode(), TEXT
    if kind == "document" and name in DOCUMENTS and document_file(name):
        with open(document_file(name), "rb") as f:
            return f.read(), TEXT
    if kind == "report" and REPORT_FILES.fullmatch(name) and os.path.isfile(os.path.join(REPORT, name)):
        with open(os.path.join(REPORT, name), "rb") as f:
            return f.read(), IMAGES.get(os.path.splitext(name)[1], HTML)
    if kind == "report":
        raise Refused(
            404, f"no report page {name[:100]}: run python -m demos.report in the folder you started the explorer from"
        )
    raise Refused(404, f"no such page: {path[:100]}")


def parsed(data):
    """The request's JSON object, or BadRequest naming the body."""
    try:
        body = json.loads(data or b"{}")
    except (ValueError, RecursionError) as err:  # RecursionError: nested thousands deep
        raise BadRequest("body", data[:40], f"not JSON ({type(err).__name__}: {str(err)[:80]})") from None
    if not isinstance(body, dict):
        raise BadRequest("body", type(body).__name__, "must be a JSON object")
    return body


class Slots:
    """At most `n` heavy requests at a time (training, a landscape, a frame); another waits up to `wait` seconds
    for a slot, then is answered 503 busy (a light endpoint takes none). A request whose memory estimate (its
    Endpoint's memory) exceeds what the machine
    has free for one slot is refused 503 before it starts."""

    def __init__(self, n, wait=10.0):
        self.n, self.wait, self.free = n, wait, threading.BoundedSemaphore(n)

    @contextlib.contextmanager
    def taken(self, endpoint, params):
        memory = ENDPOINTS[endpoint].memory
        need = memory(params) if memory else 0
        if need and need > (free := available_memory()) / self.n:  # /proc/meminfo read only where memory grows
            raise Refused(
                503,
                f"this request needs about {need / 2**30:.1f} GB and the machine has {free / 2**30:.1f} GB "
                f"free for {self.n} requests at a time: ask for a smaller one",
            )
        if ENDPOINTS[endpoint].light:
            yield
            return
        if not self.free.acquire(timeout=self.wait):
            raise Refused(
                503, f"busy: {self.n} heavy requests are running (the machine has {os.cpu_count()} cores); try again"
            )
        try:
            yield
        finally:
            self.free.release()


def make_server(port=8765, cache=None):
    """A ThreadingHTTPServer on 127.0.0.1:port (0: any free port) serving a new Explorer whose results are kept in
    `cache` (a DiskCache; None: computed every time)."""
    handler = type("ExplorerHandler", (Handler,), {"explorer": Explorer(cache)})
    return Server(("127.0.0.1", port), handler)


class Server(ThreadingHTTPServer):
    """The standard library's threading server with a listen queue for a page's bursts, a bounded pool of heavy
    work, and quiet about clients that leave."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.slots = Slots(max(2, os.cpu_count() or 1))

    def process_request_thread(self, request, client_address):
        one_numba_thread()  # Numba's thread count is per thread: each request's thread computes on one
        super().process_request_thread(request, client_address)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (OSError, TimeoutError)):  # a reset or a timeout is the client's
            super().handle_error(request, client_address)


def main(argv: Sequence[str] | None = None) -> int:
    p = OneLineErrors(
        prog="python -m demos.explore",
        description=__doc__.strip().split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port", type=int_in(0, 65535), default=8765, help="port on 127.0.0.1 (default 8765; 0: any free one)"
    )
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.add_argument(
        "--cache",
        metavar="DIR",
        default=default_folder(),
        help="where trained models and curves are kept between runs (default %(default)s)",
    )
    p.add_argument("--no-cache", action="store_true", help="compute everything anew, keep nothing")
    args = p.parse_args(argv)
    try:
        server = make_server(args.port, None if args.no_cache else DiskCache(args.cache))
    except OSError as err:
        p.error(f"argument --port: cannot listen on 127.0.0.1:{args.port} ({err.strerror}); try another --port")
    one_thread_each()  # each request computes on one core (at most one heavy request per core): no oversubscription
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"minnet explorer: {url}  (Ctrl-C stops it)", flush=True)
    if args.open:
        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
