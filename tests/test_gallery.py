"""The README's gallery and demos.gallery agree: every figure the script makes is shown with its
command, and every figure the README shows exists and is made by the script."""

import os
import re

from demos import gallery

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def test_every_gallery_figure_is_shown_beside_its_command():
    for name, (_, _, figures) in gallery.GALLERY.items():
        assert f"`{gallery.command(name)}" in README, f"the README does not show the command {gallery.command(name)!r}"
        for figure in figures:
            assert f"]({gallery.figure_path(name, figure)})" in README, (
                f"the README does not show {gallery.figure_path(name, figure)}"
            )


def test_every_figure_the_readme_shows_exists_and_comes_from_the_script():
    made = {gallery.figure_path(name, f) for name, (_, _, figures) in gallery.GALLERY.items() for f in figures}
    made |= {gallery.figure_path(gallery.EXPLORE, f"{view}.png") for view in gallery.SCREENSHOTS}
    shown = re.findall(r"!\[[^\]]*\]\((docs/gallery/[^)]+)\)", README)
    assert shown, "no gallery figures in the README"
    for path in shown:
        assert path in made, f"{path} is not made by demos.gallery"
        assert os.path.exists(os.path.join(ROOT, path)), f"{path} is missing: run python -m demos.gallery"


def test_a_missing_figure_names_the_folder_and_the_command(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="python -m demos.checkpointing"):
        gallery.copy_figures("checkpointing", str(tmp_path / "nothing"), str(tmp_path / "gallery"))
