"""Hostile and unusual inputs through the API, the CLI and the web app's handlers.

One table of cases (random bytes under a media name, truncated and empty files,
decompression bombs and 30000x30000 headers, animated GIFs, CMYK / 16-bit / alpha / palette
/ grayscale portraits, NaN / inf / clipped audio, 8 kHz, 96 kHz and 6-channel audio, 30
minutes of audio, silence, a video given as audio, a video without sound). Each case either
works (`WORKS`, checked for a correct result) or is refused with a readable message (a
regex): a ValueError in the API, `error: ...` and exit status 2 in the CLI, a gr.Error in
the app; the message names the file and holds no traceback, and every call is timed.
Then a fuzz test: random and mutated bytes into the image and audio decoders give a valid
array or a ValueError, never another exception, never a hang.

Bounds come from `vasa_core.io.limits.LIMITS`; the model is the tiny random checkpoint.
"""
from __future__ import annotations

import io
import math
import re
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy.io import wavfile

from demo.handlers import FROM_VOICE, Demo, readable_errors, speech_from_file
from tiny_checkpoint import save_tiny_checkpoint, speech_like
from vasa_core.audio import load_audio
from vasa_core.cli import main
from vasa_core.io.examples import example_portrait_path
from vasa_core.io.limits import LIMITS, Limits
from vasa_core.io.media import load_image, write_video
from vasa_core.pipeline import FPS, SAMPLE_RATE, TalkingFacePipeline

WORKS = None  # expected outcome of a case that must give a correct result
SECONDS = 10.0  # generous bound on any one call, on 2 shared CPU cores
APP_SECONDS = 3.0  # the app's audio limit here (LIMITS.app_max_audio_seconds is 60)
RNG = np.random.default_rng(0)


# ----------------------------------------------------------------------------- the files

def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height, followed by a tiny IDAT: a header bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose SOF0 header is patched to claim width x height."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 100, 90)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _portrait() -> Image.Image:
    """The built-in portrait at 256 px wide: small enough to analyse quickly."""
    img = Image.open(example_portrait_path()).convert("RGB")
    return img.resize((256, 300), Image.LANCZOS)


def _write_images(root: Path) -> dict[str, Path]:
    face = _portrait()
    rgb = np.asarray(face)
    gray = np.asarray(face.convert("L"))
    alpha = np.full(gray.shape, 255, np.uint8)
    alpha[:, :20] = 0  # a transparent strip: composited onto white
    files = {
        "random.png": RNG.bytes(5000),
        "truncated.png": _encoded(face, "PNG")[:20_000],
        "truncated.jpg": _encoded(face, "JPEG")[:3000],
        "empty.png": b"",
        # 12000 x 12000 zeros: 140 KB on disk, 144 MP (432 MB as RGB) once decoded
        "bomb.png": _encoded(Image.new("L", (12000, 12000)), "PNG"),
        "header30000.png": _png_header_only(30000, 30000),
        "header30000.jpg": _jpeg_claiming(30000, 30000),
        "animated.gif": _encoded(face, "GIF", save_all=True, duration=100, loop=0,
                                 append_images=[Image.new("RGB", face.size)]),
        "cmyk.jpg": _encoded(face.convert("CMYK"), "JPEG", quality=95),
        "gray16.png": _encoded(Image.fromarray(gray.astype(np.uint16) * 257), "PNG"),
        "la.png": _encoded(Image.fromarray(np.stack([gray, alpha], -1)), "PNG"),
        "rgba.png": _encoded(Image.fromarray(np.dstack([rgb, alpha])), "PNG"),
        "palette.png": _encoded(face.convert("P", palette=Image.ADAPTIVE), "PNG"),
        "gray.png": _encoded(face.convert("L"), "PNG"),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return {name: root / name for name in files}


def _write_audio(root: Path) -> dict[str, Path]:
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    speech = speech_like(2.0)
    paths = {name: root / name for name in (
        "random.wav", "random.mp4", "truncated.wav", "truncated.m4a", "empty.wav",
        "nan.wav", "inf.wav", "clipped.wav", "8khz.wav", "96khz.wav", "6ch.wav",
        "30min.wav", "silence.wav", "video.mp4", "silent_video.mp4", "1hz.wav")}
    paths["random.wav"].write_bytes(RNG.bytes(5000))
    paths["random.mp4"].write_bytes(RNG.bytes(5000))
    paths["empty.wav"].write_bytes(b"")
    pcm = (speech * 32767).astype(np.int16)
    wavfile.write(paths["truncated.wav"], SAMPLE_RATE, pcm)
    paths["truncated.wav"].write_bytes(paths["truncated.wav"].read_bytes()[:30_000])
    frames = np.full((25, 64, 64, 3), 90, np.uint8)
    write_video(paths["video.mp4"], frames, FPS, audio=speech[:SAMPLE_RATE])
    write_video(paths["silent_video.mp4"], frames, FPS)
    paths["truncated.m4a"].write_bytes(paths["video.mp4"].read_bytes()[:4000])
    wavfile.write(paths["nan.wav"], SAMPLE_RATE, np.where(t < 1, speech, np.nan).astype(np.float32))
    wavfile.write(paths["inf.wav"], SAMPLE_RATE, np.where(t < 1, speech, np.inf).astype(np.float32))
    loud = np.clip(speech * 20, -1, 1)  # hard-clipped at full scale
    wavfile.write(paths["clipped.wav"], SAMPLE_RATE, (loud * 32767).astype(np.int16))
    for rate, name in ((8000, "8khz.wav"), (96000, "96khz.wav")):
        tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(2 * rate) / rate)
        wavfile.write(paths[name], rate, (tone * 32767).astype(np.int16))
    six = 0.1 * RNG.standard_normal((2 * 48000, 6))
    wavfile.write(paths["6ch.wav"], 48000, (six * 32767).astype(np.int16))
    # 30 minutes of 8-bit 8 kHz silence: 14 MB on disk, 58 MB as float32 if decoded whole
    wavfile.write(paths["30min.wav"], 8000, np.full(30 * 60 * 8000, 128, np.uint8))
    wavfile.write(paths["silence.wav"], SAMPLE_RATE, np.zeros(2 * SAMPLE_RATE, np.int16))
    # a damaged header: 100 samples "at 1 Hz" would be resampled 16000-fold
    wavfile.write(paths["1hz.wav"], 1, np.zeros(100, np.int16))
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    return {**_write_images(root), **_write_audio(root)}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint"))


@pytest.fixture(scope="module")
def pipe(checkpoint) -> TalkingFacePipeline:
    return TalkingFacePipeline.from_pretrained(checkpoint)


# ----------------------------------------------------------------------------- the table

TOO_LARGE = r"megapixel limit|too large to decode safely"
IMAGE_CASES = {  # file -> WORKS or a regex of the refusal
    "random.png": r"could not read .* as an image: not a format",
    "truncated.png": r"could not read .* as an image .*truncated",
    "truncated.jpg": r"could not read .* as an image .*truncated",
    "empty.png": r"is empty \(0 bytes\)",
    "bomb.png": TOO_LARGE,
    "header30000.png": TOO_LARGE,
    "header30000.jpg": TOO_LARGE,
    "animated.gif": WORKS,  # the first frame
    "cmyk.jpg": WORKS,
    "gray16.png": WORKS,
    "la.png": WORKS,
    "rgba.png": WORKS,
    "palette.png": WORKS,
    "gray.png": WORKS,
}
AUDIO_CASES = {  # file -> (WORKS or a regex of the refusal, seconds it holds when it works)
    "random.wav": (r"could not decode .* as audio", 0),
    "random.mp4": (r"could not decode .* as audio", 0),
    "truncated.wav": (WORKS, (30_000 - 44) / 2 / SAMPLE_RATE),  # what is there is used
    "truncated.m4a": (r"could not decode .* as audio", 0),
    "empty.wav": (r"(is|are) empty", 0),
    "nan.wav": (r"NaN or infinite samples", 0),
    "inf.wav": (r"NaN or infinite samples", 0),
    "clipped.wav": (WORKS, 2.0),
    "8khz.wav": (WORKS, 2.0),
    "96khz.wav": (WORKS, 2.0),
    "6ch.wav": (WORKS, 2.0),
    "30min.wav": (r"longer than (the|this app's) limit", 0),
    "silence.wav": (WORKS, 2.0),
    "video.mp4": (WORKS, 1.0),  # its sound track
    "silent_video.mp4": (r"no audio stream", 0),
    "1hz.wav": (r"sample rate of 1 Hz", 0),
}
BOMBS = ("bomb.png", "header30000.png", "header30000.jpg")


def assert_readable(message: str, path: Path) -> None:
    """Names the file, shows no traceback or Python object reprs."""
    assert path.name in message, message
    for noise in ("Traceback", "File \"", "<_io.", "object at 0x"):
        assert noise not in message, message


@pytest.fixture
def timed():
    """timed(f, *args) -> f(*args), asserting it took < SECONDS."""
    def run(f, *args, **kwargs):
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            assert time.perf_counter() - start < SECONDS
    return run


def _check_image(pixels: np.ndarray, name: str) -> None:
    """A correct result: (H, W, 3) uint8 RGB of the portrait, whatever the mode."""
    assert pixels.dtype == np.uint8 and pixels.shape == (300, 256, 3)
    reference = np.asarray(_portrait(), np.float32)
    if name in ("gray16.png", "la.png", "gray.png"):
        reference = np.repeat(np.asarray(_portrait().convert("L"), np.float32)[..., None], 3, 2)
        np.testing.assert_array_equal(pixels[..., 0], pixels[..., 2])  # grey stays grey
    if name in ("la.png", "rgba.png"):
        assert (pixels[:, :20] == 255).all()  # transparent onto white
        pixels, reference = pixels[:, 20:], reference[:, 20:]
    assert np.abs(pixels - reference).mean() < 8.0, name  # lossy formats: close, not equal


# ------------------------------------------------------------------------------- the API

@pytest.mark.parametrize("name", IMAGE_CASES)
def test_api_image(name, files, pipe, timed):
    expected, path = IMAGE_CASES[name], files[name]
    if expected is WORKS:
        _check_image(timed(load_image, path), name)
        _check_image(timed(load_image, path.read_bytes()), name)
        latent = timed(pipe.analyze, path, size=256)  # the face is found in every mode
        assert latent.size == (300, 256)
        return
    _refused(timed, path, expected, load_image, pipe.analyze, "the image bytes")


@pytest.mark.parametrize("name", BOMBS)
def test_api_image_bombs_cost_no_memory(name, files):
    """Refused on the header: nothing near the decoded size is ever allocated."""
    data = files[name].read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=TOO_LARGE):
            load_image(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # vs 432 MB (bomb) and 2.7 GB (30000^2) decoded


def test_api_image_byte_limit(files):
    path = files["gray.png"]
    small = path.stat().st_size - 1
    with pytest.raises(ValueError, match="MiB limit for an image file"):
        load_image(path, max_bytes=small)
    with pytest.raises(ValueError, match="MiB limit for an image file"):
        load_image(path.read_bytes(), max_bytes=small)


def test_animated_gif_gives_its_first_frame(files):
    pixels = load_image(files["animated.gif"])
    assert pixels.mean() > 50  # the portrait, not the black second frame


@pytest.mark.parametrize("name", AUDIO_CASES)
def test_api_audio(name, files, pipe, timed):
    (expected, seconds), path = AUDIO_CASES[name], files[name]
    if expected is WORKS:
        for source in (path, path.read_bytes()):
            wave = timed(load_audio, source)
            assert wave.dtype == np.float32 and wave.ndim == 1
            assert abs(len(wave) / SAMPLE_RATE - seconds) < 0.05
            assert np.all(np.isfinite(wave)) and np.abs(wave).max() <= 1.0
        motion = timed(pipe.motion, path)
        assert len(motion) == math.ceil(len(wave) / SAMPLE_RATE * FPS)
        assert np.all(np.isfinite(motion.values))
        return
    _refused(timed, path, expected, load_audio, pipe.motion, "the audio bytes")


def test_api_audio_arrays(pipe, timed):
    """NaN / inf arrays are refused (not cleaned); clipped and 6-channel arrays work."""
    speech = speech_like(1.0)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="NaN or infinite samples"):
            timed(pipe.motion, (np.where(np.arange(len(speech)) % 100, speech, bad), SAMPLE_RATE))
    clipped = np.clip(speech * 50, -1, 1)
    assert len(timed(pipe.motion, (clipped, SAMPLE_RATE))) == FPS
    six = np.repeat(speech[:, None], 6, 1)
    np.testing.assert_allclose(load_audio((six, SAMPLE_RATE)), speech, atol=1e-6)
    long = np.zeros(int((LIMITS.max_audio_seconds + 1) * 8000), np.float32)
    with pytest.raises(ValueError, match="longer than the limit of 600 s"):
        timed(load_audio, (long, 8000))
    assert len(load_audio((long, 8000), first_seconds=2.0)) == 2 * SAMPLE_RATE


def test_30_minutes_are_refused_without_decoding_them(files):
    """Decoding stops at the limit: the peak is about 600 s of samples, not 1800 s."""
    path = files["30min.wav"]
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(ValueError, match="longer than the limit of 600 s"):
            load_audio(path)
        took = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole = 30 * 60 * 8000 * 4  # the whole file as float32
    assert peak < 0.6 * whole and took < SECONDS
    head = load_audio(path, max_seconds=None, first_seconds=5.0)  # cut instead of refused
    assert len(head) == 5 * SAMPLE_RATE


def test_silence_gives_a_closed_mouth(files, timed):
    """With the shipped model (when present), silence keeps the mouth shut."""
    try:
        pipe = TalkingFacePipeline.from_pretrained()
    except ValueError:
        pytest.skip("no shipped checkpoint")
    silent = timed(pipe.motion, files["silence.wav"], seed=0)
    speaking = timed(pipe.motion, (speech_like(2.0), SAMPLE_RATE), seed=0)
    assert silent["jawOpen"].mean() < speaking["jawOpen"].mean()
    assert silent["jawOpen"].max() < 0.2


def test_limits_live_in_one_place():
    from demo import handlers
    from vasa_core.io import media
    from vasa_core.audio import load

    assert media.MAX_PIXELS == LIMITS.max_pixels and media.MIN_SIDE == LIMITS.min_side
    assert media.MAX_BYTES == LIMITS.max_image_bytes
    assert load.MAX_SECONDS == LIMITS.max_audio_seconds
    assert handlers.MAX_SECONDS == LIMITS.app_max_audio_seconds
    assert handlers.MAX_TEXT_CHARS == LIMITS.max_text_chars
    assert Limits() == LIMITS


# ------------------------------------------------------------------------------- the CLI

def _cli(timed, capsys, argv: list[str]) -> tuple[int, str]:
    status = timed(main, [str(a) for a in argv])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name", IMAGE_CASES)
def test_cli_image(name, files, timed, capsys):
    expected, path = IMAGE_CASES[name], files[name]
    status, err = _cli(timed, capsys, ["analyze", "--image", path, "--json"])
    if expected is WORKS:
        assert status == 0, err
        return
    assert status == 2 and err.startswith("error: ")
    assert_readable(err, path)


@pytest.mark.parametrize("name", AUDIO_CASES)
def test_cli_audio(name, files, checkpoint, timed, capsys, tmp_path):
    (expected, _), path = AUDIO_CASES[name], files[name]
    out = tmp_path / "motion.csv"
    status, err = _cli(timed, capsys, ["motion", "--audio", path, "--out", out,
                                       "--checkpoint", checkpoint, "--steps", "2"])
    if expected is WORKS:
        assert status == 0 and out.is_file(), err
        return
    assert status == 2 and err.startswith("error: ") and not out.exists()
    assert_readable(err, path)


# ------------------------------------------------------------------------------- the app

def _generate(demo: Demo, portrait: Path, audio: Path):
    controls = dict(gaze_auto=True, gaze_yaw=0.0, gaze_pitch=0.0, distance_auto=True,
                    distance=0.0, emotion=FROM_VOICE, emotion_strength=1.0, head_motion=1.0,
                    blink_rate=0.0, lip_reading=1.0, lip_lookahead=1, cfg_audio=1.0,
                    cfg_control=1.0, steps=2, seed=0, size=256, crop="face", mark=True)
    return demo.generate(str(portrait), str(audio), "", "en", "audio", True, controls,
                         progress=lambda *a, **k: None)


@pytest.fixture(scope="module")
def demo(pipe) -> Demo:
    demo = Demo(pipe, APP_SECONDS)
    yield demo
    demo.files.cleanup()


@pytest.mark.parametrize("name", IMAGE_CASES)
def test_app_image(name, files, demo, timed):
    expected, path = IMAGE_CASES[name], files[name]
    if expected is WORKS:
        video, _, downloads, status = timed(_generate, demo, path, files["video.mp4"])
        assert Path(video).is_file() and re.match(r"Rendered 2[56] frames", status)
        return
    with pytest.raises(gr.Error) as err:
        timed(_generate, demo, path, files["video.mp4"])
    message = err.value.message
    assert err.value.print_exception is False
    assert message[:1].isupper() or message.startswith(name), message
    assert re.search(expected, message, flags=re.I), message
    assert_readable(message, path)
    assert str(path.parent) not in message  # the file as the user knows it


@pytest.fixture(scope="module")
def portrait_widget(pipe) -> gr.Image:
    """The app's Portrait widget, as `build_app` makes it."""
    from demo.ui import build_app

    app = build_app(pipe)
    return next(block for block in app.blocks.values()
                if isinstance(block, gr.Image) and block.label == "Portrait")


@pytest.mark.parametrize("name", IMAGE_CASES)
def test_app_portrait_widget(name, files, tmp_path, timed, portrait_widget):
    """The Portrait widget's own preprocessing (Gradio opens uploads before the handler
    runs) refuses bombs and unreadable files with the same messages, undecoded."""
    from gradio.data_classes import ImageData

    widget = portrait_widget
    upload = tmp_path / "upload" / name
    upload.parent.mkdir()
    upload.write_bytes(files[name].read_bytes())
    payload = ImageData(path=str(upload), orig_name=name)
    expected = IMAGE_CASES[name]
    if expected is WORKS:
        _check_image(load_image(timed(widget.preprocess, payload)), name)
        return
    if name.startswith("truncated"):  # a sound header: passed on, refused by the handler
        assert timed(widget.preprocess, payload) == str(upload)
        return
    tracemalloc.start()
    try:
        with pytest.raises(gr.Error) as err:
            timed(widget.preprocess, payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = err.value.message
    assert re.search(expected, message, flags=re.I), message
    assert_readable(message, upload)
    assert str(upload.parent) not in message
    assert peak < 5 * 2**20 + 2 * upload.stat().st_size


@pytest.mark.parametrize("name", AUDIO_CASES)
def test_app_audio(name, files, timed):
    (expected, seconds), path = AUDIO_CASES[name], files[name]

    def handler():
        with readable_errors(str(path)):
            return speech_from_file(str(path), APP_SECONDS)
    if expected is WORKS:
        wave = timed(handler)
        assert abs(len(wave) / SAMPLE_RATE - seconds) < 0.05
        return
    with pytest.raises(gr.Error) as err:
        timed(handler)
    message = err.value.message
    assert re.search(expected, message, flags=re.I), message
    assert_readable(message, path)
    assert str(path.parent) not in message  # the file as the user knows it, not its temp path


def test_app_passes_the_upload_limit_to_gradio(monkeypatch):
    import signal

    import app as app_module
    import demo.ui

    launched = {}

    class Blocks:
        def launch(self, **kwargs):
            launched.update(kwargs)

    monkeypatch.setattr(TalkingFacePipeline, "from_pretrained", classmethod(lambda *a: None))
    monkeypatch.setattr(demo.ui, "build_app", lambda pipeline: Blocks())
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert app_module.main(["--port", "7999"]) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert launched["max_file_size"] == LIMITS.max_upload_bytes


# ------------------------------------------------------------------------------ the fuzz

def _encoded_audio(fmt: str, codec: str, rate: int) -> bytes:
    """0.3 s of a tone, encoded by PyAV (b"" when this build lacks the encoder)."""
    import av

    buf = io.BytesIO()
    try:
        with av.open(buf, "w", format=fmt) as container:
            stream = container.add_stream(codec, rate=rate, layout="mono")
            tone = (0.2 * np.sin(np.arange(int(0.3 * rate)) / 5)).astype(np.float32)
            size = stream.codec_context.frame_size or 1024
            planar = stream.codec_context.format.name.endswith("p")
            for start in range(0, len(tone), size):
                chunk = np.pad(tone[start:start + size], (0, size))[:size]
                frame = av.AudioFrame.from_ndarray(
                    (chunk[None] * 32767).astype(np.int16) if codec == "flac" else chunk[None],
                    format="s16" if codec == "flac" else ("fltp" if planar else "flt"),
                    layout="mono")
                frame.sample_rate = rate
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except av.FFmpegError:
        return b""
    return buf.getvalue()


def _seeds() -> list[bytes]:
    face = _portrait().resize((64, 64))
    wav = io.BytesIO()
    wavfile.write(wav, 8000, (speech_like(0.25)[::2] * 32767).astype(np.int16))
    audio = [_encoded_audio("flac", "flac", 16000), _encoded_audio("mp3", "libmp3lame", 16000),
             _encoded_audio("ipod", "aac", 16000), _encoded_audio("ogg", "libopus", 48000)]
    return [_encoded(face, "PNG"), _encoded(face, "JPEG"), _encoded(face, "GIF"),
            _encoded(face, "WEBP"), _encoded(face, "BMP"), wav.getvalue()] + [
            a for a in audio if a]


SEEDS = _seeds()


@st.composite
def hostile_bytes(draw) -> bytes:
    """Random bytes, or a valid small PNG/JPEG/GIF/WebP/BMP/wav with bytes overwritten,
    inserted or cut off."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=2048))
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["overwrite", "insert", "truncate"]))
        if action == "truncate":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            data[at:at + 4] = draw(st.binary(min_size=4, max_size=4))
    return bytes(data)


FUZZ = settings(max_examples=300, deadline=2000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def _refused(timed, path: Path, expected: str, load, pipeline_call, bytes_name: str) -> None:
    """`load` refuses the file and its bytes with a readable message matching `expected`
    (naming the file, or `bytes_name`), and so does the pipeline's `pipeline_call`; each
    call through the `timed` fixture."""
    for source in (path, path.read_bytes()):
        with pytest.raises(ValueError, match=expected) as err:
            timed(load, source)
        assert_readable(str(err.value), path if source is path else Path(bytes_name))
    with pytest.raises(ValueError, match=expected):
        timed(pipeline_call, path)


def _valid_image(pixels: np.ndarray) -> None:
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3


def _valid_audio(wave: np.ndarray) -> None:
    assert wave.dtype == np.float32 and wave.ndim == 1 and len(wave) > 0
    assert np.all(np.isfinite(wave)) and np.abs(wave).max() <= 1.0


@FUZZ
@given(data=hostile_bytes())
def test_fuzz_image_decoder(data, tmp_path_factory):
    _fuzz(data, tmp_path_factory.getbasetemp() / "fuzz.png", load_image, _valid_image)


@FUZZ
@given(data=hostile_bytes())
def test_fuzz_audio_decoder(data, tmp_path_factory):
    _fuzz(data, tmp_path_factory.getbasetemp() / "fuzz.wav", load_audio, _valid_audio)


def _fuzz(data: bytes, path, load, valid) -> None:
    """`data` as bytes and as a file: `load` gives a `valid` result or a ValueError."""
    path.write_bytes(data)
    for source in (data, path):
        try:
            valid(load(source))
        except ValueError:
            pass
