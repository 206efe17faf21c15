"""Example inputs that need no download.

The built-in portraits are public domain: two photos that installed packages ship,
matplotlib's Grace Hopper (a U.S. Navy official photograph) and scikit-image's Eileen
Collins (a NASA photograph), and a painting the package carries, Leonardo da Vinci's Mona
Lisa (`assets/mona_lisa.jpg`, scaled to 512 px from the reproduction in Peter Corke's
MIT-licensed mvtb-data; a faithful photograph of a public-domain painting); the example
song is `speech.song.example_song`. Developers also find real test portraits in the
shared assets folder next to the repository when it is there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def example_portrait_path() -> Path:
    """Path of the built-in example portrait (a colour photo, 512 wide and 600 high)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        raise ValueError(f"the example portrait is missing from matplotlib ({path}); "
                         "reinstall matplotlib or pass --image")
    return path


@dataclass(frozen=True)
class Example:
    """A built-in portrait and where it comes from."""

    path: Path
    credit: str  # who, by whom, licence


MONA_LISA = Path(__file__).resolve().parents[1] / "assets" / "mona_lisa.jpg"


def example_portraits() -> list[Example]:
    """The built-in portraits (the first is `example_portrait_path()`), those installed."""
    import skimage.data

    collins = Path(skimage.data.__file__).parent / "astronaut.png"
    found = [Example(example_portrait_path(), "Grace Hopper, U.S. Navy photograph, public "
                                              "domain (from matplotlib)")]
    if collins.is_file():
        found.append(Example(collins, "Eileen Collins, NASA photograph, public domain (from "
                                      "scikit-image)"))
    found.append(Example(MONA_LISA, "Mona Lisa, Leonardo da Vinci, c. 1503-1519, public "
                                    "domain (reproduction via mvtb-data, MIT)"))
    return found


def shared_assets_dir() -> Path | None:
    """`<repo>/../shared/assets` when it exists (developer checkouts), else None."""
    path = Path(__file__).resolve().parents[3] / "shared" / "assets"
    return path if path.is_dir() else None


def shared_portraits() -> list[Path]:
    """The portrait images under shared/assets/portraits, sorted; [] without the folder."""
    root = shared_assets_dir()
    folder = root / "portraits" if root is not None else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
