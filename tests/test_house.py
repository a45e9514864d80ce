"""The house's rooms: where each kind of code lives, and which room may import which."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = {"demos.cli", "demos.claims", "demos.findings"}  # the command line's and the claims' machinery, every study's
# beyond SHARED: the explorer's own cache, and the exercises whose starter files it serves (neither is a study)
OWN = {"demos.explore": {"demos.explore_cache", "demos.exercises"}}
PACKAGES = ("explore",)  # demos' packages: each one room (its modules may import each other), named as the package
DRIVERS = {"demos.__main__", "demos.report", "demos.gallery", "demos.benchmark"}  # they run or time other modules


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def demos_files():
    """demos' own modules: its files and its packages' (the lessons aside: they run the studies)."""
    return sorted((ROOT / "demos").glob("*.py")) + sorted(
        path for package in PACKAGES for path in (ROOT / "demos" / package).glob("*.py")
    )


def room(module):
    """The room a demos module lives in: a package's modules live in the package's."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[1] in PACKAGES else module


def imported_modules(path):
    """Every module a file imports by an import statement, at any depth (strings run in a subprocess aside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if [alias.name for alias in node.names] == ["CLAIMS"]:
                continue  # a study's declared claims table is data every module may read, not its science
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # from demos import minima
    return found


def demos_imports(path):
    """The demos modules a file imports (the package `demos` itself aside)."""
    files = {module_name(p) for p in demos_files()}
    return {room(m) for m in imported_modules(path) if m in files and room(m) != room(module_name(path))}


def test_no_demos_module_imports_another_studys():
    """A study's science lives in minnet/studies, so no demos module imports another study's demos module:

    - every demos module may import demos.cli, demos.claims and demos.findings (the command line's and the
      claims' machinery) and a study's declared claims table (`from demos.oscillations import CLAIMS`: data);
      the explorer its own cache and the exercises (it serves their starter files);
    - the drivers demos.__main__, demos.report, demos.gallery and demos.benchmark may import what they run or time;
    - every other demos module (each study, the explorer, the exercises, gradcheck) imports nothing else from
      demos: the explorer and the exercises take the studies' science from minnet.studies."""
    wrong = {
        module_name(path): sorted(demos_imports(path) - SHARED - OWN.get(room(module_name(path)), set()))
        for path in demos_files()
        if module_name(path) not in DRIVERS and demos_imports(path) - SHARED - OWN.get(room(module_name(path)), set())
    }
    assert wrong == {}


def test_minnet_imports_nothing_from_demos():
    """The framework and the studies' science stand without the command line: minnet/ and kernels/ import no demos
    module."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "demos")
        for folder in ("minnet", "kernels")
        for path in sorted((ROOT / folder).rglob("*.py"))
    }
    assert {path: found for path, found in wrong.items() if found} == {}


def test_the_explorer_package_is_one_room_and_its_views_import_no_study():
    """The explorer's modules (demos/explore/*.py) are seen, may import each other, and a view that imported a
    study's command-line file (`from demos.minima import ...`) would be named."""
    explorer = {module_name(path) for path in demos_files() if room(module_name(path)) == "demos.explore"}
    assert {"demos.explore", "demos.explore.server", "demos.explore.registry", "demos.explore.dd"} <= explorer
    assert demos_imports(ROOT / "demos" / "explore" / "registry.py") <= {"demos.explore_cache", "demos.claims"}
    assert room("demos.explore.minima") == "demos.explore" and room("demos.minima") == "demos.minima"


def test_the_rules_see_an_import_of_another_study(tmp_path):
    """The checker itself: `from demos import minima` and `import demos.minima` inside a function are both seen."""
    source = tmp_path / "probe.py"
    source.write_text(
        "def f():\n    from demos import minima\n    import demos.double_descent\n    from demos.cli import seed\n"
    )
    assert {"demos.minima", "demos.double_descent", "demos.cli"} <= imported_modules(source)
