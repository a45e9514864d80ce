"""The explorer answers only its own page: what another site's page, a foreign Host, a smuggled second request,
bad JSON, a flood of connections and a client that leaves get, each refused before any work (issue 38)."""

import json
import socket
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demos import explore


@pytest.fixture(scope="module")
def server():
    server = explore.make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def exchange(server, raw, wait=10.0):
    """Every byte the server sends back on one connection to `raw` bytes, until it closes the connection
    (or `wait` seconds pass with nothing more)."""
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=wait) as s:
        s.sendall(raw)
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def post(server, endpoint, body, **headers):
    """A POST as raw bytes: the explorer's page's own headers unless `headers` replace them (None: left out)."""
    port = server.server_address[1]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    fields = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json", "Content-Length": str(len(data))}
    fields.update({k.replace("_", "-"): v for k, v in headers.items()})
    head = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v is not None)
    return f"POST {endpoint} HTTP/1.1\r\n{head}\r\n".encode() + data


def answers(received):
    """(status, JSON body) of each response in the bytes a connection received."""
    out = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        length = int(
            next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        )
        out.append((status, json.loads(rest[:length]) if length else None))
        received = rest[length:]
    return out


def sessions(server):
    return len(server.RequestHandlerClass.explorer.sessions.items)


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Origin": "http://evil.example"}, 403),  # another site's fetch
        ({"Origin": "null"}, 403),  # a sandboxed frame, a file:// page
        ({"Content_Type": "text/plain"}, 415),  # the cross-site fetch browsers send without asking (no preflight)
        ({"Content_Type": "application/x-www-form-urlencoded"}, 415),  # a cross-site form
        ({"Content_Type": None}, 415),
        ({"Transfer_Encoding": "chunked"}, 411),
        ({"Content_Length": "abc"}, 400),
        ({"Content_Length": "9" * 5000}, 413),  # a number past int()'s digit limit
    ],
)
def test_a_request_not_from_the_page_is_refused_before_any_work(server, headers, status):
    before = sessions(server)
    got = answers(exchange(server, post(server, "/api/doc000/new", {}, **headers)))
    assert [s for s, _ in got] == [status], got
    assert sessions(server) == before  # no session made: no work done


def test_the_pages_own_origin_is_answered(server):
    port = server.server_address[1]
    for origin, host in [
        (f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"),
        (f"http://localhost:{port}", f"localhost:{port}"),
    ]:
        raw = post(server, "/api/doc000/new", {"h": 2}, Origin=origin, Host=host, Connection="close")
        assert answers(exchange(server, raw))[0][0] == 200


@pytest.mark.parametrize(
    "host", ["evil.com@127.0.0.1", "127.0.0.1:abc", "localhost:99999", "127.0.0.1:1", "localhost.", "", "127.0.0.1 :80"]
)
def test_host_headers_no_browser_sends_here_are_refused(server, host):
    assert answers(exchange(server, post(server, "/api/progress", {}, Host=host)))[0][0] == 403


@pytest.mark.parametrize(
    "first",
    [
        lambda server, smuggled: post(server, "/api/progress", smuggled, Host="evil.example"),  # 403
        lambda server, smuggled: post(server, "/api/nowhere", smuggled),  # 404
        lambda server, smuggled: post(server, "/progress", smuggled),  # 404: not under /api/
        lambda server, smuggled: (
            (  # a GET with a body
                f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.server_address[1]}\r\nContent-Length: {len(smuggled)}\r\n\r\n"
            ).encode()
            + smuggled
        ),
    ],
)
def test_a_refused_requests_body_is_never_read_as_a_second_request(server, first):
    """Issue 38's bypass: a body that is itself a request, behind a refused one on a kept-alive connection."""
    smuggled = post(server, "/api/doc000/new", {"h": 2})
    before = sessions(server)
    got = answers(exchange(server, first(server, smuggled)))
    assert len(got) == 1 and got[0][0] in (400, 403, 404), got
    assert sessions(server) == before


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "PUT", "DELETE"])
def test_other_methods_get_a_json_405(server, method):
    raw = f"{method} /api/doc000/new HTTP/1.1\r\nHost: 127.0.0.1:{server.server_address[1]}\r\n\r\n".encode()
    received = exchange(server, raw)
    assert received.startswith(b"HTTP/1.1 405") and b"application/json" in received


@pytest.mark.parametrize(
    "endpoint, body, parameter",
    [
        ("/api/doc000/new", b'{"h": 1' + b"0" * 5000 + b"}", "body"),  # past Python's 4,300-digit limit: not JSON
        ("/api/doc000/new", {"h": 10**400}, "h"),
        ("/api/doc000/new", {"lr": 10**400}, "lr"),
        ("/api/doc000/new", {"lr": -(10**400)}, "lr"),
        ("/api/doc000/new", b'{"lr": NaN}', "lr"),
        ("/api/doc000/new", b'{"lr": Infinity}', "lr"),
        ("/api/doc000/new", {"f": ["f1"]}, "f"),
        ("/api/doc000/new", b"[" * 5000 + b"]" * 5000, "body"),
        ("/api/doc000/new", b'{"seed": ' + b"[" * 5000 + b"]" * 5000 + b"}", "body"),
        ("/api/grok/new", {"p": 3, "fraction": 0.95}, "fraction"),  # no pair left to test on
        ("/api/grok/new", {"p": 3, "fraction": 0.05}, "fraction"),  # none to train on
    ],
)
def test_bad_input_is_a_400_naming_the_parameter_never_a_500(server, endpoint, body, parameter):
    got = answers(exchange(server, post(server, endpoint, body, Connection="close")))
    assert got[0][0] == 400 and got[0][1]["parameter"] == parameter, got


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(10**400), 10**400) | st.floats() | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def bodies(draw):
    """An endpoint and a JSON body: its own parameter names (and others) with any JSON values, or not an object."""
    endpoint = draw(st.sampled_from(sorted(explore.ENDPOINTS)))
    names = st.sampled_from(sorted(explore.ENDPOINTS[endpoint].params) or ["x"]) | st.text(max_size=10)
    body = draw(st.dictionaries(names, JSON, max_size=5) | JSON)
    return endpoint, json.dumps(body).encode()  # NaN and Infinity as Python writes them


@given(bodies())
def test_any_json_to_any_endpoint_is_checked_or_refused_naming_a_parameter(case):
    """Arbitrary JSON: either every parameter within its bounds, or BadRequest naming a parameter; nothing else."""
    endpoint, data = case
    spec = explore.ENDPOINTS[endpoint].params
    try:
        params = explore.checked(endpoint, explore.parsed(data))
    except explore.BadRequest as err:
        assert err.parameter == "body" or err.parameter in spec or err.parameter in json.loads(data)
        return
    for name, value in params.items():
        param = spec[name]
        if param.kind in ("int", "float") and value is not None:
            assert param.lo <= value <= param.hi and type(value) is (int if param.kind == "int" else float)


class Nothing:
    """An explorer that does no work: the server's checks alone, every request answered."""

    def handle(self, endpoint, params):
        return {"endpoint": endpoint}


@given(bodies())
def test_any_json_through_the_server_is_never_a_500_and_never_hangs(quiet_server, case):
    endpoint, data = case
    got = answers(exchange(quiet_server, post(quiet_server, "/api/" + endpoint, data, Connection="close"), wait=5))
    assert len(got) == 1 and got[0][0] in (200, 400, 413), got


@pytest.fixture(scope="module")
def quiet_server():
    server = explore.make_server(0)
    server.RequestHandlerClass.explorer = Nothing()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_heavy_work_beyond_the_slots_is_answered_busy():
    slots = explore.Slots(1, wait=0.1)
    with slots.taken("grok/step", {}):
        with pytest.raises(explore.Refused, match="busy") as refused:
            with slots.taken("grok/new", {}):
                pass
        assert refused.value.status == 503
        with slots.taken("progress", {}):  # light requests need no slot: the page's progress line still answers
            pass


def test_a_request_past_the_free_memory_is_refused_before_it_starts(server, monkeypatch):
    monkeypatch.setattr(explore.server, "available_memory", lambda: 2 * 2**30)  # 2 GB free: 1 GB a slot on two slots
    called = []
    monkeypatch.setattr(explore.dd, "double_descent_width", lambda cache, **p: called.append(p) or {})
    raw = post(server, "/api/double_descent/width", {"n": 20, "width": 20000}, Connection="close")
    status, answer = answers(exchange(server, raw))[0]
    assert status == 503 and "1.5 GB" in answer["error"] and not called
    raw = post(server, "/api/double_descent/width", {"n": 20, "width": 200}, Connection="close")
    assert answers(exchange(server, raw))[0][0] == 200 and called


def test_many_connections_at_once_are_all_answered(server):
    """A page's burst: 60 connections at once, none reset (the listen queue holds them)."""
    raw = post(server, "/api/progress", {}, Connection="close")
    results = [None] * 60

    def one(i):
        results[i] = answers(exchange(server, raw))[0][0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 60


def test_a_half_sent_request_is_dropped_after_the_timeout(monkeypatch):
    server = explore.make_server(0)
    monkeypatch.setattr(server.RequestHandlerClass, "timeout", 0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        start = time.monotonic()
        received = exchange(server, b"POST /api/progress HTTP/1.1\r\nHost: 127.0.0.1", wait=10)
        assert received == b"" and time.monotonic() - start < 5  # closed by the server, not by our wait
    finally:
        server.shutdown()
        server.server_close()


def test_work_its_client_left_stops_at_its_next_chunk(server):
    port = server.server_address[1]
    new = post(server, "/api/grok/new", {"p": 97, "width": 512}, Connection="close")
    session = answers(exchange(server, new))[0][1]["session"]
    state = server.RequestHandlerClass.explorer.sessions.get(session)
    with socket.create_connection(("127.0.0.1", port)) as s:
        started = time.monotonic()
        s.sendall(post(server, "/api/grok/step", {"session": session, "steps": 2000}))
        while state.t < explore.Grok.CHUNK:  # its first chunk is done
            time.sleep(0.05)
        chunk = time.monotonic() - started  # how long a chunk takes on this machine now
    time.sleep(2 * chunk + 1)  # the chunk under way when the client left has ended
    stopped = state.t
    time.sleep(chunk + 1)
    assert state.t == stopped < 2000 and stopped % explore.Grok.CHUNK == 0


def test_a_diverging_grokking_run_says_where_and_stops(server):
    """lr * weight decay = 10: AdamW's decay multiplies the weights by 1 - 10 each step."""
    new = post(server, "/api/grok/new", {"p": 7, "width": 8, "lr": 1, "weight_decay": 10}, Connection="close")
    session = answers(exchange(server, new))[0][1]["session"]
    raw = post(server, "/api/grok/step", {"session": session, "steps": 2000}, Connection="close")
    status, run = answers(exchange(server, raw))[0]
    assert status == 200 and run["diverged_at"] is not None and run["t"] == run["diverged_at"] < 2000


def test_the_trained_models_are_bounded(monkeypatch):
    from minnet.studies import complex_mult as cm

    monkeypatch.setattr(explore.Models, "MAX_MODELS", 2)
    monkeypatch.setattr(
        cm, "train_task", lambda config, recorders: {"params": cm.model([10], "relu", 0).params, "test_loss": [0.5]}
    )
    models = explore.Models()
    keys = [models.train("10", "relu", 1, seed, "-")[0] for seed in range(4)]
    assert list(models.nets) == keys[2:]
    with pytest.raises(explore.BadRequest, match="train it first"):
        models.frame(keys[0], -0.75, 0, 3.5, 8, 8, 10)
