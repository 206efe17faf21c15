"""Built-in example inputs and the optional shared developer assets."""
import pytest

from vasa_core.io.examples import example_portrait_path, shared_assets_dir, shared_portraits
from vasa_core.io.media import load_image


def test_example_portrait_loads_without_any_files_at_hand():
    path = example_portrait_path()
    assert path.name == "grace_hopper.jpg" and path.is_file()
    image = load_image(path)
    assert image.shape == (600, 512, 3)
    assert image.std() > 20  # a real photo, not a blank placeholder


def test_shared_portraits_are_sorted_images():
    if shared_assets_dir() is None:
        pytest.skip("shared/assets is not next to this checkout")
    portraits = shared_portraits()
    assert portraits and portraits == sorted(portraits)
    assert all(p.suffix.lower() in {".jpg", ".jpeg", ".png"} for p in portraits)
    assert load_image(portraits[0]).ndim == 3


def test_shared_assets_are_found_beside_the_checkout():
    """`<repo>/../shared/assets`, whatever room of the package examples.py lives in."""
    from pathlib import Path

    beside = Path(__file__).resolve().parents[2] / "shared" / "assets"
    assert shared_assets_dir() == (beside if beside.is_dir() else None)
