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


def test_built_in_portraits_are_different_public_domain_faces():
    """Each built-in portrait is a readable photo with one face the analyser finds, says
    where it comes from and under which licence, and no two are the same person's file."""
    from vasa_core.face import analyze_image
    from vasa_core.io.examples import example_portraits

    examples = example_portraits()
    assert len(examples) >= 3 and examples[0].path == example_portrait_path()
    assert any("painting" in e.credit or "da Vinci" in e.credit for e in examples)
    assert len({example.path.read_bytes() for example in examples}) == len(examples)
    for example in examples:
        assert "public domain" in example.credit
        x0, y0, x1, y1 = analyze_image(load_image(example.path)).face_box
        assert x1 - x0 > 50 and y1 - y0 > 50, example


@pytest.mark.parametrize("festival", [True, False])
def test_the_example_song_is_sung(tmp_path, monkeypatch, festival):
    """The example song: Daisy Bell from Festival's singing mode where Festival is
    installed, the built-in singing synthesiser where it is not. Either way a voiced,
    pitched clip of several seconds whose pitch moves (a melody, not a monotone)."""
    import numpy as np
    import soundfile as sf

    from vasa_core.audio.pitch import yin
    from vasa_core.speech import song as examples
    from vasa_core.speech.festival import festival_path

    if festival and festival_path() is None:
        pytest.skip("Festival is not installed (.ci/run installs it)")
    if not festival:
        monkeypatch.setattr("vasa_core.speech.festival.festival_path", lambda: None)
    song = examples.example_song(tmp_path)
    assert ("Daisy Bell" in song.credit) == festival
    wave, rate = sf.read(song.path, dtype="float32")
    assert rate == 16000 and len(wave) > 8 * rate and np.abs(wave).max() > 0.5
    blocks = np.lib.stride_tricks.sliding_window_view(wave, 1024)[::320].astype(np.float64)
    f0, periodicity = yin(blocks, rate)
    voiced = f0[periodicity > 0.7]
    assert len(voiced) > 0.3 * len(f0)  # mostly sung
    assert np.percentile(voiced, 90) / np.percentile(voiced, 10) > 1.25  # a melody
