"""Every bound on input size, in one place.

The loaders, the pipeline, the CLI and the web app take their defaults from `LIMITS`;
each bound can also be changed per call (`load_image(..., max_pixels=...)`,
`load_audio(..., max_seconds=...)`, `build_app(..., max_seconds=...)`) or for a whole
program with `dataclasses.replace(LIMITS, ...)` passed where a `Limits` is taken. Input
beyond a bound is refused with a ValueError that names the file and the bound, before the
expensive work: image headers are checked before any pixel is decoded, and audio decoding
stops as soon as it passes its limit, so a hostile file costs little time or memory.

    max_pixels         64 MP: images whose header claims more are refused undecoded (PIL's
                       own `Image.MAX_IMAGE_PIXELS` bomb check, 89 MP warning / 179 MP error,
                       stays on as a second line)
    min_side           32 px: smaller images cannot hold a face the analyzer can find
    max_image_bytes    100 MiB: larger image files are refused before being read
    max_audio_seconds  600 s: the API's and the CLI's longest audio (longer audio is
                       refused as soon as decoding passes it; `first_seconds` cuts instead)
    app_max_audio_seconds  60 s: the web app's longest speech (only that much is decoded)
    max_upload_bytes   100 MiB: the web app's largest upload (Gradio's `max_file_size`)
    max_text_chars     1000: the web app's longest typed text
"""
from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on input size (see the module docstring for what each one guards)."""

    max_pixels: int = 64_000_000
    min_side: int = 32
    max_image_bytes: int = 100 * MIB
    max_audio_seconds: float = 600.0
    app_max_audio_seconds: float = 60.0
    max_upload_bytes: int = 100 * MIB
    max_text_chars: int = 1000


LIMITS = Limits()
