"""python -m demos.explore through its endpoints: minnet's numbers, bounds, Host checks, sessions, edits that flow."""

import http.client
import json
import re
import threading

import numpy as np
import pytest

from demos import explore
from minnet import SGD, Snapshots, TestLoss, TwoLayerNet, fit
from minnet.data import doc000
from minnet.studies.dynamics import event_order


@pytest.fixture(scope="module")
def server():
    server = explore.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def call(port, endpoint, body=None, host=None, method="POST"):
    """(status, JSON answer) of one request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    data = json.dumps(body or {}).encode() if method == "POST" else None
    headers = {"Content-Type": "application/json", "Host": host or f"127.0.0.1:{port}"}
    connection.request(method, endpoint, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, (
        json.loads(payload) if response.getheader("Content-Type") == "application/json" else payload
    )


def steps(port, session, n, **extra):
    return call(port, "/api/doc000/step", {"session": session, "steps": n, **extra})[1]


def test_the_document_000_run_through_the_endpoint(server):
    """1,000 steps at the defaults: minnet's 728 / 745 / 748 (the same on every machine), as fit finds them directly;
    the page is told the notebook's printed iterations and minnet's beside them."""
    status, new = call(server, "/api/doc000/new")
    assert status == 200 and new["t"] == 0
    assert new["document"]["notebook"] == {"argmin_grad_norm": 734, "argmin_train_loss": 752, "argmin_test_loss": 755}
    assert new["document"]["minnet"] == {"argmin_grad_norm": 728, "argmin_train_loss": 745, "argmin_test_loss": 748}
    answer = {}
    for _ in range(10):
        answer = steps(server, new["session"], 100)
    found = {e["key"]: e["iteration"] for e in answer["events"]}
    assert (found["argmin_grad_norm"], found["argmin_train_loss"], found["argmin_test_loss"]) == (728, 745, 748)
    X, Y, X_test, Y_test = doc000("f1")
    net = TwoLayerNet(h=3)
    direct = event_order(
        fit(net, X, Y, SGD(net.params, lr=1.0), 1000, recorders=[TestLoss(X_test, Y_test), Snapshots()])
    )
    assert all(
        found[k] == direct[k]
        for k in ("argmin_grad_norm", "argmin_train_loss", "argmin_test_loss", "angle_growth_start")
    )


def test_steps_in_chunks_record_what_one_fit_records(server):
    _, new = call(server, "/api/doc000/new", {"f": "f2", "h": 4, "lr": 0.5})
    pieces = [steps(server, new["session"], n) for n in (1, 7, 30, 12)]
    X, Y, X_test, Y_test = doc000("f2")
    net = TwoLayerNet(h=4)
    history = fit(net, X, Y, SGD(net.params, lr=0.5), 50, recorders=[TestLoss(X_test, Y_test), Snapshots()])
    np.testing.assert_array_equal(np.concatenate([p["grad_norm"] for p in pieces]), history["grad_norm"])
    np.testing.assert_array_equal(np.concatenate([p["grad_angle"] for p in pieces]), history["grad_angle"])
    np.testing.assert_array_equal(
        np.concatenate([[new["initial"]["train_loss"]]] + [p["train_loss"] for p in pieces]), history["train_loss"]
    )


def test_rewind_returns_to_the_same_initial_weights(server):
    _, new = call(server, "/api/doc000/new", {"seed": 7, "init_scale": 3})
    first = steps(server, new["session"], 20)
    _, rewound = call(server, "/api/doc000/reset", {"session": new["session"]})
    assert rewound["t"] == 0
    assert steps(server, new["session"], 20)["grad_norm"] == first["grad_norm"]


def test_a_divergent_run_says_where_and_sends_no_garbage(server):
    _, new = call(server, "/api/doc000/new", {"lr": 100})
    answer = steps(server, new["session"], 200)
    assert answer["diverged_at"] is not None and answer["t"] == answer["diverged_at"]
    assert all(v is None or np.isfinite(v) for v in answer["train_loss"] + answer["grad_norm"])


@pytest.mark.parametrize("endpoint, body, parameter", [
    ("/api/doc000/new", {"h": 1}, "h"), ("/api/doc000/new", {"h": 2.5}, "h"), ("/api/doc000/new", {"lr": "fast"}, "lr"),
    ("/api/doc000/new", {"lr": 1e308}, "lr"), ("/api/doc000/new", {"f": "f3"}, "f"), ("/api/doc000/new", {"init_scale": -1}, "init_scale"),
    ("/api/doc000/new", {"colour": 1}, "colour"), ("/api/doc000/step", {"session": "nope"}, "session"),
    ("/api/doc000/step", {"session": "x", "steps": 10**9}, "steps"), ("/api/race/new", {"grid": 100000}, "grid"),
    ("/api/race/new", {"i": 9}, "i"), ("/api/race/run", {"session": "x", "epochs": 0}, "epochs"),
    ("/api/mandelbrot/frame", {"cols": 100000}, "cols"), ("/api/mandelbrot/frame", {"max_iter": 0}, "max_iter"),
    ("/api/mandelbrot/frame", {"width": 0}, "width"), ("/api/mandelbrot/frame", {"model": "nope"}, "model"),
    ("/api/mandelbrot/model", {"epochs": 5000}, "epochs"), ("/api/doc001/example", {"session": "x", "index": 5000}, "index"),
    ("/api/doc000/new", [1, 2], "body"), ("/api/grok/new", {"fraction": 1.0}, "fraction"), ("/api/grok/new", {"p": 2}, "p"),
    ("/api/grok/step", {"session": "x", "steps": 0}, "steps"), ("/api/minima/path", {"lr": 0}, "lr"),
    ("/api/minima/path", {"start": 50}, "start"), ("/api/minima/path", {"batch": 101}, "batch"),
    ("/api/double_descent/width", {"width": 10**6}, "width"), ("/api/double_descent/widths", {"n": 4000}, "n"),
])  # fmt: skip
def test_bad_values_are_refused_naming_the_parameter(server, endpoint, body, parameter):
    status, answer = call(server, endpoint, body)
    assert status == 400 and answer["parameter"] == parameter, answer
    assert f"parameter {parameter}" in answer["error"]


def test_a_body_too_large_is_refused(server):
    status, answer = call(server, "/api/doc000/new", {"pad": "x" * 20000})
    assert status == 413 and answer["parameter"] == "body"


@pytest.mark.parametrize("host", ["evil.example", "attacker.com:8765", "127.0.0.1.evil.example"])
def test_a_foreign_host_is_refused(server, host):
    assert call(server, "/", host=host, method="GET")[0] == 403
    assert call(server, "/api/doc000/new", host=host)[0] == 403


def test_the_page_and_the_list_of_endpoints(server):
    status, page = call(server, "/", method="GET")
    assert status == 200 and b"minnet explorer" in page
    assert b"http://" not in page and b"https://" not in page  # nothing from another origin
    status, listing = call(server, "/api", method="GET")
    assert status == 200 and listing["endpoints"]["POST /api/doc000/new"]["h"] == {
        "kind": "int",
        "default": 3,
        "lo": 2,
        "hi": 20,
    }
    assert call(server, "/etc/passwd", method="GET")[0] == 404


def test_sessions_do_not_mix(server):
    _, a = call(server, "/api/doc000/new", {"lr": 1.0})
    _, b = call(server, "/api/doc000/new", {"lr": 0.1})
    ra, rb = steps(server, a["session"], 5, lr=1.0), steps(server, b["session"], 5, lr=0.1)
    again = steps(server, a["session"], 5, lr=1.0)
    assert ra["grad_norm"] != rb["grad_norm"] and again["t"] == 10


def test_sessions_are_bounded():
    sessions = explore.Sessions()
    keys = [sessions.add(explore.State()) for _ in range(explore.MAX_SESSIONS + 3)]
    assert len(sessions.items) == explore.MAX_SESSIONS
    with pytest.raises(explore.BadRequest, match="no such session"):
        sessions.get(keys[0])
    sessions.get(keys[-1])


def test_an_edit_to_the_backward_pass_changes_the_answer(server, monkeypatch):
    """What the page shows is TwoLayerNet's own backprop: double its dU, and the gradient norms change."""
    _, before = call(server, "/api/doc000/new")
    plain = steps(server, before["session"], 3)["grad_norm"]
    original = TwoLayerNet.backprop

    def doubled_dU(self, X, Y):
        per_example, O, (hidden, output) = original(self, X, Y)
        return per_example, O, [hidden._replace(grad=2 * hidden.grad), output]

    monkeypatch.setattr(TwoLayerNet, "backprop", doubled_dU)
    _, after = call(server, "/api/doc000/new")
    assert steps(server, after["session"], 3)["grad_norm"] != plain


def test_the_race_the_landscape_and_the_study_agree(server):
    from minnet.studies import optimizer_paths as op

    status, land = call(server, "/api/race/new")  # the study's 201 x 201 grid
    # the study's default pair and 8.073
    assert status == 200 and land["pair"] == [5, 4] and land["minimum"][2] == pytest.approx(8.073, abs=1e-3)
    status, run = call(server, "/api/race/run", {"session": land["session"], "a": 1.0, "b": 0.5, "epochs": 20})
    net, X, Y = op.build("relu", trained=False, seed=0)
    i, j = op.layer2_index(net, 5), op.layer2_index(net, 4)
    direct = op.race(net, X, Y, i, j, np.array([1.0, 0.5]), "adam", lr=0.1, epochs=20, batch_size=64, seed=0)
    np.testing.assert_allclose(run["paths"]["adam"]["loss"], direct["loss"], rtol=0, atol=0)


def test_the_mandelbrot_frames_are_minnets(server):
    from minnet.studies import mandelbrot as mb

    status, frame = call(server, "/api/mandelbrot/frame", {"model": "exact", "cols": 61, "rows": 41, "max_iter": 50})
    counts = np.frombuffer(__import__("base64").b64decode(frame["counts"]), "<u2").reshape(41, 61)
    np.testing.assert_array_equal(counts, mb.escape_counts(*mb.pixel_grid(complex(-0.75, 0), 3.5, (61, 41)), 50))
    status, model = call(server, "/api/mandelbrot/model", {"hidden": "10", "activation": "relu", "epochs": 2})
    assert status == 200 and model["test_loss"] > 0
    status, learned = call(
        server, "/api/mandelbrot/frame", {"model": model["model"], "cols": 61, "rows": 41, "max_iter": 50}
    )
    assert status == 200 and 0 <= learned["inside"] <= 1


def test_concurrent_sessions_do_not_mix(server):
    """Four sessions stepped at once from four threads record what each records alone."""
    from concurrent.futures import ThreadPoolExecutor

    configs = [{"lr": 1.0}, {"lr": 0.3}, {"f": "f2", "h": 5}, {"seed": 3}]
    sessions = [call(server, "/api/doc000/new", c)[1]["session"] for c in configs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda s: [steps(server, s, 25)["grad_norm"] for _ in range(4)], sessions))
    for config, run in zip(configs, together):
        alone = call(server, "/api/doc000/new", config)[1]["session"]
        assert [steps(server, alone, 25)["grad_norm"] for _ in range(4)] == run


def test_grokking_in_chunks_is_the_studys_run(server):
    """Steps asked for in chunks of 100, 37 and 263 record what demos.grokking's one 400-step run records."""
    from minnet.studies import grokking as gk

    _, new = call(server, "/api/grok/new", {"seed": 3})
    answers = [call(server, "/api/grok/step", {"session": new["session"], "steps": n})[1] for n in (100, 37, 263)]
    config = {key: gk.GROMOV[key] for key in ("p", "fraction", "width", "lr", "weight_decay")}
    study = gk.train_task({**config, "steps": 400, "seed": 3})
    for key in ("train_accuracy", "test_accuracy", "weight_norm"):
        page = [new["initial"][key]] + [v for answer in answers for v in answer[key]]
        np.testing.assert_array_equal(page, study[key])
    shares = [new["initial"]["fourier"]] + [v for answer in answers for v in answer["fourier"]]
    np.testing.assert_array_equal(np.array(shares)[study["fourier"][:, 0].astype(int)], study["fourier"][:, 1])
    assert answers[-1]["t"] == 400 and len(answers[-1]["spectrum"]) == gk.GROMOV["width"]


def test_the_minima_paths_are_the_studys(server):
    """Gradient descent ends where demos.minima's sweep says; SGD with batch 1 escapes in the runs the study counts."""
    from minnet.studies import minima as mn

    _, land = call(server, "/api/minima/landscape")
    sweep = land["sweep"]
    for k in (5, 30, 50):  # below 2/lambda_narrow, between the two limits, near 2/lambda_wide
        _, path = call(server, "/api/minima/path", {"lr": sweep["rates"][k]})
        assert path["outcome"] == sweep["outcomes"][k] and path["w"][-1] == pytest.approx(
            sweep["final_w"][k], abs=1e-12
        )
    _, sgd = call(server, "/api/minima/path", {"batch": 2, "runs": 6})
    ends = mn.escapes(10.0, [2], 6)["ends"][2]
    assert sum(v for k, v in sgd["outcomes"].items() if k.endswith("wide")) == ends.count("wide")
    assert sum(sgd["outcomes"].values()) == 6


def test_a_double_descent_width_is_the_studys(server):
    from minnet.studies import double_descent as dd

    _, widths = call(server, "/api/double_descent/widths", {"n": 100})
    assert 99 in widths["widths"] and widths["threshold"] == 1000
    _, row = call(server, "/api/double_descent/width", {"n": 100, "label_noise": 0.2, "seed": 4, "width": 99})
    study = dd.width_task({"n": 100, "label_noise": 0.2, "widths": [99], "seed": 4})
    assert row["weights"] == 1000 and all(row[key] == study[key][0] for key in study)


def test_every_view_links_its_reading(server):
    """GET /api lists each view's document, sources, exercise and report page; the page's links to them are served,
    and nothing else is (no other file, no path out of the repository)."""
    _, api = call(server, "/api", method="GET")
    assert set(api["views"]) == {"doc000", "race", "mandelbrot", "doc001", "grok", "minima", "dd"}
    for view in api["views"].values():
        for path in view["sources"]:
            status, text = call(server, f"/source/{path}", method="GET")
            with open(f"{explore.ROOT}/{path}", "rb") as f:
                assert status == 200 and text == f.read()
        if view["exercise"]:
            status, text = call(server, f"/exercise/{view['exercise']}", method="GET")
            assert status == 200 and f"python -m demos.exercises check {view['exercise']}" in text.decode()
            assert b"raise NotImplementedError" in text
        document = view["document"]
        if document["text"]:
            status, text = call(server, f"/document/{document['number']}", method="GET")
            assert status == 200 and len(text) > 1000
    _, doc000 = call(server, "/document/000", method="GET")
    assert explore.document_file("000") is None or b"Experiment 1B" in doc000
    for path in ("/source/setup.py", "/source/../../etc/passwd", "/source/demos/explore.py", "/exercise/nonsense",
                 "/document/005", "/report/../explore.py", "/report/index.htm"):  # fmt: skip
        status, answer = call(server, path, method="GET")
        assert status == 404, path
    status, answer = call(server, "/report/oscillations.html", method="GET")
    assert status in (200, 404) and (status == 200 or "python -m demos.report" in answer["error"])
    status, _ = call(server, "/source/demos/oscillations.py", host="attacker.example", method="GET")
    assert status == 403


def test_every_view_is_one_module_one_fragment_and_its_endpoints():
    """The registry's table is the only list of views: each view's module declares its endpoints (named after it),
    its fragment <name>.html holds its section and one script block registering it, and the page is the shell with
    the fragments in the table's order; the shell names no view (no per-view branch, no list of views)."""
    import os

    from demos.explore import registry

    assert [view.name for view in explore.VIEWS] == ["doc000", "race", "mandelbrot", "doc001", "grok", "minima", "dd"]
    assert set(explore.ENDPOINTS) == {name for view in explore.VIEWS for name in view.endpoints} | {"progress"}
    page = explore.page().decode()
    with open(registry.PAGE) as f:
        shell = f.read()
    at = [page.index(f'<section class="view" id="{view.name}">') for view in explore.VIEWS]
    assert at == sorted(at) and registry.VIEWS_MARK in shell and registry.VIEWS_MARK not in page
    for view in explore.VIEWS:
        with open(os.path.join(registry.HERE, f"{view.name}.html")) as f:
            fragment = f.read()
        assert fragment.count("<section") == 1 and fragment.count("<script>") == 1, view.name
        assert fragment.count(f'register("{view.name}", {{label: ') == 1, view.name
        assert all(hasattr(view.handlers, name.rsplit("/", 1)[1]) for name in view.endpoints), view.name
        assert f'"{view.name}"' not in shell and f"'{view.name}'" not in shell, view.name
    for box in re.findall(r'<input [^>]*type="number"[^>]*>', page):  # every number box says what it sets
        endpoint, name = re.search(r'data-param="([^"]+)"', box).group(1).split()
        assert name in explore.ENDPOINTS[endpoint].params and "value=" not in box, box


def test_the_disk_cache_computes_once_and_never_uses_a_damaged_file(tmp_path, capsys):
    from demos.explore_cache import DiskCache

    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(5.0) / 3, "n": np.array(7)}

    first = DiskCache(str(tmp_path)).get("thing", {"a": 1}, compute)
    again = DiskCache(str(tmp_path))
    assert np.array_equal(again.get("thing", {"a": 1}, compute)["x"], first["x"]) and again.computed == 0
    assert len(calls) == 1
    other = DiskCache(str(tmp_path))
    other.get("thing", {"a": 2}, compute)  # another setting: another file
    assert other.computed == 1 and len(list(tmp_path.iterdir())) == 2
    path = other.path("thing", {"a": 1})
    with open(path, "r+b") as f:  # cut short
        f.truncate(100)
    damaged = DiskCache(str(tmp_path))
    assert np.array_equal(damaged.get("thing", {"a": 1}, compute)["x"], first["x"]) and damaged.computed == 1
    assert path in capsys.readouterr().err
    __import__("shutil").copy(other.path("thing", {"a": 2}), path)  # a whole file, but another key's
    assert DiskCache(str(tmp_path)).get("thing", {"a": 1}, compute)["n"] == 7 and len(calls) == 4
    assert "it holds another result" in capsys.readouterr().err


def test_cached_models_and_points_are_the_computed_ones(tmp_path, monkeypatch):
    """A Mandelbrot model and its first picture, document 001's chunks and a double-descent point read from the cache
    (nothing computed) give what computing them gives."""
    from demos.explore_cache import DiskCache

    monkeypatch.setitem(explore.DOC001, "runs", 2)
    monkeypatch.setitem(explore.DOC001, "epochs", 1)

    def views(cache):
        e = explore.Explorer(cache)
        ask = lambda endpoint, **body: e.handle(endpoint, explore.checked(endpoint, body))  # noqa: E731
        model = ask("mandelbrot/model", hidden="10", activation="relu", epochs=2)["model"]
        return {
            "frame": ask("mandelbrot/frame", model=model, cols=40, rows=30, max_iter=30)["counts"],  # computed
            "first frame": ask("mandelbrot/frame", model=model)["counts"],  # the page's first: kept
            "chunk": ask("doc001/new")["chunk"],
            "point": ask("double_descent/width", n=100, width=99),
        }

    cold = DiskCache(str(tmp_path))
    computed = views(cold)
    assert cold.computed == 4
    warm = DiskCache(str(tmp_path))
    assert views(warm) == computed and warm.computed == 0
    assert views(None) == computed  # and what the explorer computes without a cache


def test_the_claim_boxes_quote_the_claims_tables_not_a_copy():
    """Every row a claim box names is declared in its study's claims table, which gives its sentence and document
    value (written once, there); the page types no document sentence or study number of its own."""
    from demos.claims import declared

    quoted = explore.claims_quoted()
    assert set(quoted) == {row for rows in explore.VIEW_CLAIMS.values() for row in rows}
    assert all(quoted[row] == declared(row) for row in quoted)
    assert all(q["quote"] and q["document"] in ("000", "001", "002", "003", "004") for q in quoted.values())
    page = explore.page().decode()
    assert all(q["quote"] not in page for q in quoted.values())  # each sentence comes from GET /api
    for study_number in ("937 to 1,391", "19 of 20", "0.881", "8 random starts"):  # the study's results: its report
        assert study_number not in page
    from minnet.studies import grokking, minima, optimizer_paths

    rules = explore.study_rules()  # the studies' own thresholds, read from them
    assert rules == {"at_minimum": optimizer_paths.AT_MINIMUM, "long_before": grokking.LONG_BEFORE,
                     "sgd_lr": minima.SGD_LR}  # fmt: skip


def test_document_001s_network_0_is_the_studys_network_0(monkeypatch):
    """The view replays the study's network 0 an epoch at a time: its batches go on as one fit's would (a fit per
    epoch seeded anew would repeat epoch 1's order), so after two epochs its weights are the study's, bit for bit."""
    from demos.explore.doc001 import Doc001
    from demos.explore_cache import NoCache
    from minnet.studies import curriculum as cu

    monkeypatch.setitem(explore.DOC001, "runs", 2)
    monkeypatch.setitem(explore.DOC001, "epochs", 2)
    state = Doc001(0, None, NoCache())
    state.prepare()
    state.advance(until=60)  # 40 steps an epoch (5,000 images, batches of 128): into the second epoch
    assert state.epochs_done == 2
    s = cu.DEFAULTS
    study = cu.network(state.X.shape[1], [s["hidden"], 10], s["activation"], 0, s["init"])
    cu.train_run(study, state.X, state.y, lr=s["lr"], batch_size=s["batch_size"], epochs=2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(state.net.params, study.params))
