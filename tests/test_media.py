"""Image loading (every mode and failure) and video write/read round trips."""
import io
import struct
import time
import zlib

import av
import numpy as np
import pytest
from PIL import Image

from vasa_core.io.media import AI_COMMENT, iter_video, load_image, read_video, write_video


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def png_header_only(width: int, height: int, with_end: bool) -> bytes:
    """A PNG signature and IHDR chunk (valid CRC) claiming width x height, and no pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + (chunk(b"IEND", b"") if with_end else b""))


def gradient(height: int = 48, width: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // (width - 1), y * 255 // (height - 1),
                     np.full_like(x, 128)], axis=-1).astype(np.uint8)


def test_rgb_path_bytes_pil_and_array_agree(tmp_path):
    rgb = gradient()
    path = tmp_path / "g.png"
    Image.fromarray(rgb).save(path)
    for src in (path, str(path), path.read_bytes(), Image.open(path), rgb):
        out = load_image(src)
        assert out.dtype == np.uint8 and out.shape == (48, 64, 3)
        np.testing.assert_array_equal(out, rgb)


def test_rgba_is_composited_onto_white():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:, :10] = (255, 0, 0, 0)  # transparent red -> white
    rgba[:, 10:20] = (0, 0, 255, 255)  # opaque blue stays blue
    rgba[:, 20:] = (0, 0, 0, 128)  # half-transparent black -> mid grey
    for src in (rgba, encode(Image.fromarray(rgba))):
        out = load_image(src)
        assert out.shape == (40, 40, 3)
        assert np.all(out[:, :10] == 255)
        assert np.all(out[:, 10:20] == (0, 0, 255))
        assert np.all(np.abs(out[:, 20:].astype(int) - 127) <= 1)


def test_palette_with_transparency_is_composited():
    img = Image.new("P", (40, 40), 0)
    img.putpalette([10, 20, 30, 200, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 20, 40))
    out = load_image(encode(img, transparency=0))
    assert np.all(out[:, :20] == (200, 0, 0))
    assert np.all(out[:, 20:] == 255)


def test_grayscale_becomes_three_equal_channels():
    gray = gradient()[..., 0]
    for src in (gray, gray[..., None], encode(Image.fromarray(gray))):
        out = load_image(src)
        assert out.shape == (48, 64, 3)
        for c in range(3):
            np.testing.assert_array_equal(out[..., c], gray)


def test_16_bit_grayscale_png_is_scaled():
    wide = np.linspace(0, 65535, 40 * 40).round().astype(np.uint16).reshape(40, 40)
    data = encode(Image.fromarray(wide))
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = load_image(data)
    np.testing.assert_array_equal(out[..., 1], np.rint(wide / 257.0).astype(np.uint8))
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255


def test_16_bit_rgb_png_written_by_opencv():
    cv2 = pytest.importorskip("cv2")
    bgr16 = np.zeros((40, 40, 3), np.uint16)
    bgr16[..., 2] = 65535  # red, in OpenCV's BGR order
    bgr16[..., 0] = 32896  # half blue
    ok, buf = cv2.imencode(".png", bgr16)
    assert ok
    out = load_image(buf.tobytes())
    assert np.all(out[..., 0] == 255) and np.all(out[..., 1] == 0)
    assert np.all(np.abs(out[..., 2].astype(int) - 128) <= 1)


@pytest.mark.parametrize("dtype, scale", [(np.uint16, 65535), (np.float32, 1.0),
                                          (np.float64, 255.0)])
def test_wide_and_float_arrays(dtype, scale):
    rgb = gradient()
    out = load_image((rgb.astype(np.float64) / 255.0 * scale).astype(dtype))
    assert np.abs(out.astype(int) - rgb).max() <= 1


def test_exif_orientation_is_applied():
    rgb = np.zeros((60, 40, 3), np.uint8)  # 60 high, 40 wide
    rgb[:5] = (255, 0, 0)  # a red top edge
    img = Image.fromarray(rgb)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    out = load_image(encode(img, "JPEG", exif=exif, quality=95))
    assert out.shape == (40, 60, 3)
    # The stored top edge is on the right once displayed upright.
    assert out[:, -3:, 0].mean() > 200 and out[:, :3, 0].mean() < 50


def test_cmyk_is_converted():
    img = Image.new("CMYK", (40, 40), (0, 255, 255, 0))  # pure red in CMYK
    for fmt in ("JPEG", "TIFF"):
        out = load_image(encode(img, fmt))
        assert out.shape == (40, 40, 3)
        assert np.abs(out.reshape(-1, 3).mean(0) - (255, 0, 0)).max() < 8, fmt


def test_blank_image_is_accepted():
    out = load_image(np.full((64, 64, 3), 255, np.uint8))
    assert np.all(out == 255)


def test_corrupt_bytes_raise_value_error():
    with pytest.raises(ValueError, match="could not read"):
        load_image(b"this is not an image at all" * 10)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file_raises_value_error(tmp_path, fmt):
    rng = np.random.default_rng(0)
    data = encode(Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)), fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="could not read"):
        load_image(path)
    with pytest.raises(ValueError, match="could not read"):
        load_image(Image.open(path))  # opened lazily elsewhere, decoded here


@pytest.mark.parametrize("with_end", [False, True])
@pytest.mark.parametrize("side", [20000, 9000])
def test_huge_png_header_fails_fast(side, with_end):
    start = time.perf_counter()
    with pytest.raises(ValueError, match="megapixel"):
        load_image(png_header_only(side, side, with_end))
    assert time.perf_counter() - start < 0.5


def test_pixel_limit_is_configurable():
    data = encode(Image.fromarray(gradient(100, 100)))
    assert load_image(data, max_pixels=10_000).shape == (100, 100, 3)
    with pytest.raises(ValueError, match="megapixel"):
        load_image(data, max_pixels=9_999)
    with pytest.raises(ValueError, match="megapixel"):
        load_image(np.zeros((100, 100, 3), np.uint8), max_pixels=9_999)


@pytest.mark.parametrize("shape", [(1, 1, 3), (20, 300, 3)])
def test_tiny_images_raise_value_error(shape):
    with pytest.raises(ValueError, match="at least 32"):
        load_image(encode(Image.fromarray(np.zeros(shape, np.uint8))))
    assert load_image(np.zeros(shape, np.uint8), min_side=1).shape == shape


def test_missing_file_and_directory_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="directory"):
        load_image(tmp_path)


def test_bad_arrays_and_types():
    with pytest.raises(ValueError, match="NaN"):
        load_image(np.full((40, 40, 3), np.nan))
    with pytest.raises(ValueError, match="must be"):
        load_image(np.zeros((40, 40, 2), np.uint8))
    with pytest.raises(TypeError):
        load_image(42)


def frames_batches(count: int, height: int, width: int):
    """Moving gradients, yielded as one single frame then batches of 3."""
    base = gradient(height, width).astype(np.int16)
    frames = [np.clip(base + 8 * i, 0, 255).astype(np.uint8) for i in range(count)]
    yield frames[0]
    for i in range(1, count, 3):
        yield np.stack(frames[i:i + 3])


def test_write_then_read_video_with_audio(tmp_path):
    audio = (0.3 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.float32)
    path = write_video(tmp_path / "sub" / "v.mp4", frames_batches(10, 48, 64), fps=25,
                       audio=audio, sample_rate=16000)
    assert path == tmp_path / "sub" / "v.mp4" and path.stat().st_size > 0
    frames, fps = read_video(path)
    assert frames.shape == (10, 48, 64, 3) and frames.dtype == np.uint8
    assert fps == 25.0
    expected = np.stack(list(_flatten(frames_batches(10, 48, 64))))
    assert np.abs(frames.astype(int) - expected).mean() < 3  # lossy but faithful
    with av.open(str(path)) as container:
        assert container.metadata.get("comment") == AI_COMMENT
        audio_stream = container.streams.audio[0]
        assert audio_stream.codec_context.name == "aac"
        assert audio_stream.sample_rate == 16000 and audio_stream.channels == 1
        assert container.streams.video[0].codec_context.name == "h264"


def _flatten(batches):
    for item in batches:
        yield from (item[None] if item.ndim == 3 else item)


def test_odd_sizes_are_padded_and_max_frames_limits(tmp_path):
    path = write_video(tmp_path / "odd.mp4", frames_batches(7, 47, 63), fps=30)
    frames, fps = read_video(path, max_frames=4)
    assert frames.shape == (4, 48, 64, 3) and fps == 30.0
    # The padding replicates the last row and column.
    assert np.abs(frames[:, -1].astype(int) - frames[:, -2]).mean() < 4
    iterator, fps = iter_video(path)
    assert sum(1 for _ in iterator) == 7 and fps == 30.0


def test_write_video_rejects_bad_frames(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "empty.mp4", iter([]), fps=25)
    mixed = [np.zeros((32, 32, 3), np.uint8), np.zeros((34, 32, 3), np.uint8)]
    with pytest.raises(ValueError, match="same size"):
        write_video(tmp_path / "mixed.mp4", mixed, fps=25)
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "float.mp4", [np.zeros((32, 32, 3), np.float32)], fps=25)
    assert not any(tmp_path.iterdir())  # failed writes leave no files behind


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = write_video(tmp_path / "v.mp4", frames_batches(4, 32, 32), fps=25)
    with pytest.raises(ValueError):
        write_video(path, [np.zeros((32, 32, 3), np.uint8), np.zeros((8, 8), np.uint8)], fps=25)
    assert read_video(path)[0].shape == (4, 32, 32, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["v.mp4"]


def test_read_video_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        read_video(tmp_path / "missing.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(ValueError):
        read_video(bad)


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_read_video_applies_display_rotation_like_ffmpeg(tmp_path, rotation):
    """Phone videos carry a display rotation; frames must match ffmpeg's own upright decode."""
    import subprocess

    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    rgb = gradient(48, 64)
    rgb[:8] = (255, 0, 0)
    write_video(tmp_path / "plain.mp4", [rgb] * 3, fps=25)
    rotated = tmp_path / "rotated.mp4"
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-display_rotation", str(rotation),
                    "-i", str(tmp_path / "plain.mp4"), "-c", "copy", str(rotated)], check=True)
    frames, _ = read_video(rotated)
    assert frames.shape[1:3] == ((48, 64) if rotation == 180 else (64, 48))
    raw = subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(rotated), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    upright = np.frombuffer(raw, np.uint8).reshape(frames.shape)
    assert np.abs(upright.astype(int) - frames).mean() < 1.0
