"""kernels/cache.py: an edit to any kernel source empties the kernels' Numba cache, nothing else does."""

from kernels.cache import FINGERPRINT_FILE, cache_folder, clear_stale_cache


def make_sources(folder):
    (folder / "common.py").write_text("def f(): return 1\n")
    (folder / "landscape.py").write_text("from common import f\n")
    return [folder / "common.py", folder / "landscape.py"]


def make_cached(cache):
    names = ["common.f-1.py311.nbi", "common.f-1.py311.1.nbc", "landscape.g-2.py311.nbi", "other.h-3.py311.nbi"]
    for name in names:
        (cache / name).write_bytes(b"compiled")
    return names


def test_edit_to_one_source_clears_every_kernel_module_cache(tmp_path):
    sources, cache = make_sources(tmp_path), tmp_path / "cache"
    cache.mkdir()
    assert clear_stale_cache(sources, cache)  # no fingerprint yet: nothing known to be fresh
    make_cached(cache)
    assert not clear_stale_cache(sources, cache)  # unchanged sources keep the cache
    assert len(list(cache.glob("*.nb?"))) == 4
    sources[0].write_text("def f(): return 2\n")  # an edit to common.py only
    assert clear_stale_cache(sources, cache)
    assert sorted(p.name for p in cache.glob("*.nb?")) == ["other.h-3.py311.nbi"]  # not one of these sources
    assert not clear_stale_cache(sources, cache)
    assert (cache / FINGERPRINT_FILE).read_text() != ""


def test_cache_folder_is_where_numba_caches_the_kernels():
    from kernels.common import sigmoid

    sigmoid(0.0)
    folder = cache_folder()
    assert folder is not None and list(folder.glob("common.sigmoid-*.nbi"))
    assert (folder / FINGERPRINT_FILE).exists()
