"""kernels/cache.py: the kernels' Numba cache sits in a folder named after every kernel source, so an edit
anywhere starts a fresh one, and a process that read the sources before an edit cannot save into it."""

from kernels.cache import CACHE_FOLDER, cache_folder_for, select_cache


def make_sources(folder):
    (folder / "common.py").write_text("def f(): return 1\n")
    (folder / "landscape.py").write_text("from common import f\n")
    return [folder / "common.py", folder / "landscape.py"]


def test_an_edit_to_any_source_moves_the_cache_and_removes_the_old_one(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)  # restored after the test
    sources, root = make_sources(tmp_path), tmp_path / "cache"
    first = select_cache(sources, root)
    (first / "common.f-1.py311.nbi").write_bytes(b"compiled")
    assert select_cache(sources, root) == first and (first / "common.f-1.py311.nbi").exists()  # unchanged: kept
    before_edit = cache_folder_for(sources, root)  # what a process that imported now would save into
    sources[0].write_text("def f(): return 2\n")  # an edit to common.py only
    second = select_cache(sources, root)
    assert second != first and not first.exists() and config.CACHE_DIR == str(second)
    assert before_edit == first != second  # that older process's saves can never land in the new folder
    assert list(second.iterdir()) == []


def test_numba_caches_the_kernels_in_the_fingerprint_folder():
    from kernels.common import sigmoid

    sigmoid(0.0)
    assert CACHE_FOLDER.name.startswith("numba-")
    assert list(CACHE_FOLDER.rglob("common.sigmoid-*.nbi")), sorted(p.name for p in CACHE_FOLDER.rglob("*"))[:10]


def test_a_cold_cache_is_announced_once(tmp_path, monkeypatch, capsys):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)
    sources, root = make_sources(tmp_path), tmp_path / "cache"
    select_cache(sources, root)
    assert "compiling the Numba kernels" in capsys.readouterr().err
    select_cache(sources, root)
    assert capsys.readouterr().err == ""  # the folder exists now: nothing to announce
