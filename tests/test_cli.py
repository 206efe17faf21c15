"""The `vasa` command line.

Tests that need the face analyzer and the renderer are skipped until `vasa_core/face` and
`vasa_core/render` exist; once those packages are there, an import failure is an error.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vasa_core
from vasa_core.io.arkit import motion_to_csv
from vasa_core.cli import main
from vasa_core.io.examples import example_portrait_path, shared_assets_dir
from vasa_core.latent import MOTION_NAMES, Motion
from vasa_core.io.media import find_videos, read_video
from vasa_core.animate.tour import TOUR_MOVES

PACKAGE = Path(vasa_core.__file__).parent
needs_face_and_renderer = pytest.mark.skipif(
    not all((PACKAGE / part / "__init__.py").exists() for part in ("face", "render")),
    reason="vasa_core.face / vasa_core.render are not written yet")


def still_motion(frames: int, fps: float = 25.0) -> Motion:
    return Motion(np.zeros((frames, len(MOTION_NAMES)), np.float32), fps)


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "animate" in out and "analyze" in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert vasa_core.__version__ in capsys.readouterr().out


def test_no_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_missing_image_exits_2(tmp_path, capsys):
    out = tmp_path / "o.mp4"
    assert main(["animate", "--image", str(tmp_path / "nope.jpg"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not found" in err
    assert not out.exists()


def test_corrupt_image_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a JPEG" * 20)
    assert main(["animate", "--image", str(bad), "--out", str(tmp_path / "o.mp4")]) == 2
    assert capsys.readouterr().err.startswith("error: could not read")


def test_malformed_motion_csv_exits_2(tmp_path, capsys):
    bad = tmp_path / "m.csv"
    bad.write_text("Timecode,JawOpen\n00:00:00:00.000,wide\n")
    assert main(["animate", "--motion", str(bad), "--out", str(tmp_path / "o.mp4")]) == 2
    assert "wide" in capsys.readouterr().err


def test_analyze_video_needs_out(capsys):
    assert main(["analyze", "--video", "clip.mp4"]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["animate", "--size", "0"], "size must be >= 1, got 0"),
    (["animate", "--crop", "square"], "unknown crop 'square'"),
    (["analyze", "--image", "a.jpg", "--video", "b.mp4"], "not allowed with"),
    (["generate", "--audio", "a.wav", "--emotion", "joyful"], "choose from ('neutral', 'happy'"),
    (["generate", "--audio", "a.wav", "--blink-rate", "-1"], "blink_rate must be in [0, 60]"),
    (["motion", "--audio", "a.wav", "--out", "m.csv", "--lip-lookahead", "30"],
     "lip_lookahead must be in [0, 25], got 30"),
    (["stream", "--audio", "a.wav", "--out", "l.mp4", "--lip-lookahead", "1.5"],
     "'1.5' is not a valid int"),
])
def test_bad_option_values_are_usage_errors(capsys, argv, message):
    """Values are checked by the controls table's rule as the flags are parsed."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_importing_the_package_and_cli_stays_light():
    code = ("import sys, vasa_core, vasa_core.cli, vasa_core.latent, vasa_core.io.arkit, "
            "vasa_core.animate.tour, vasa_core.io.examples, vasa_core.io.media, "
            "vasa_core.provenance.mark, vasa_core.settings\n"
            "heavy = {'torch', 'mediapipe', 'cv2', 'av', 'matplotlib'} & set(sys.modules)\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "vasa_core", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"vasa_core {vasa_core.__version__}"


@needs_face_and_renderer
def test_animate_example_writes_the_tour(tmp_path, capsys):
    out = tmp_path / "tour.mp4"
    assert main(["animate", "--out", str(out), "--size", "128", "--seconds-per-move", "0.08"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    frames, fps = read_video(out)
    assert fps == 25.0
    assert frames.shape == (len(TOUR_MOVES) * 2 + 1, 128, 128, 3)


@needs_face_and_renderer
def test_animate_blank_image_says_no_face(tmp_path, capsys):
    blank = tmp_path / "white.png"
    Image.new("RGB", (256, 256), "white").save(blank)
    assert main(["animate", "--image", str(blank), "--out", str(tmp_path / "o.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no face" in err.lower()
    assert not (tmp_path / "o.mp4").exists()


@needs_face_and_renderer
def test_animate_with_motion_csv_renders_every_row(tmp_path, capsys):
    csv_path = motion_to_csv(still_motion(7, fps=30.0).set("jawOpen", np.linspace(0, 1, 7)),
                             tmp_path / "m.csv")
    out = tmp_path / "m.mp4"
    assert main(["animate", "--motion", str(csv_path), "--out", str(out), "--size", "96",
                 "--no-mark"]) == 0
    frames, _ = read_video(out)
    assert frames.shape == (7, 96, 96, 3)


@needs_face_and_renderer
def test_analyze_image_prints_the_latent(capsys):
    assert main(["analyze", "--image", str(example_portrait_path()), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["pose"]) == {"yaw", "pitch", "roll", "x", "y", "log_scale"}
    assert set(report["gaze"]) == {"gaze_yaw", "gaze_pitch"}
    assert (report["width"], report["height"]) == (512, 600)
    assert main(["analyze", "--image", str(example_portrait_path())]) == 0
    text = capsys.readouterr().out
    assert "pose" in text and "gaze" in text and "expression" in text


@needs_face_and_renderer
def test_analyze_video_writes_a_live_link_csv(tmp_path, capsys):
    assets = shared_assets_dir()
    videos = find_videos(assets / "videos") if assets else []
    if not videos:
        pytest.skip("no shared test videos next to this checkout")
    video = min(videos, key=lambda p: p.stat().st_size)
    out = tmp_path / "motion.csv"
    assert main(["analyze", "--video", str(video), "--out", str(out)]) == 0
    from vasa_core.io.arkit import motion_from_csv

    frames, _ = read_video(video)
    assert len(motion_from_csv(out)) == len(frames)


# -- generate / motion / corpus / train, on a tiny random motion generator -------------
@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from tiny_checkpoint import save_tiny_checkpoint

    return save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint"))


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    from tiny_checkpoint import speech_like, write_wav

    return write_wav(tmp_path_factory.mktemp("audio") / "speech.wav", speech_like(1.5))


def test_motion_writes_a_live_link_csv(tmp_path, capsys, tiny_checkpoint, speech_wav):
    from vasa_core.io.arkit import motion_from_csv

    out = tmp_path / "motion.csv"
    assert main(["motion", "--audio", str(speech_wav), "--out", str(out), "--checkpoint",
                 str(tiny_checkpoint), "--emotion", "happy", "--gaze", "5", "-2",
                 "--distance", "0.05", "--steps", "2", "--seed", "1", "--cfg-audio", "1",
                 "--cfg-control", "0.5"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    motion = motion_from_csv(out)
    assert len(motion) == 38 and motion.fps == 25.0  # ceil(1.5 s * 25)


def test_lip_words_flag_reaches_the_pipeline(tmp_path, capsys, tiny_checkpoint, speech_wav):
    """--no-lip-words reads the lips from phones alone: the pipeline's lip_words=False."""
    from vasa_core.io.arkit import motion_from_csv
    from vasa_core.pipeline import TalkingFacePipeline

    runs = {}
    for flag in ("--lip-words", "--no-lip-words"):
        out = tmp_path / f"{flag}.csv"
        assert main(["motion", "--audio", str(speech_wav), "--out", str(out), "--checkpoint",
                     str(tiny_checkpoint), "--steps", "2", flag]) == 0
        runs[flag] = motion_from_csv(out)["jawOpen"]
    capsys.readouterr()
    expected = TalkingFacePipeline.from_pretrained(tiny_checkpoint).motion(
        speech_wav, steps=2, lip_words=False)["jawOpen"]
    np.testing.assert_allclose(runs["--no-lip-words"], expected, atol=1e-3)
    assert np.abs(runs["--lip-words"] - runs["--no-lip-words"]).max() > 0.01


@needs_face_and_renderer
def test_generate_writes_a_video_with_sound(tmp_path, capsys, tiny_checkpoint, speech_wav):
    import av

    out = tmp_path / "talk.mp4"
    assert main(["generate", "--audio", str(speech_wav), "--out", str(out), "--checkpoint",
                 str(tiny_checkpoint), "--size", "64", "--steps", "2", "--no-mark"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    frames, fps = read_video(out)
    assert frames.shape == (38, 64, 64, 3) and fps == 25.0
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 1


@pytest.mark.parametrize("extra, message", [
    (["--audio", "missing.wav"], "not found"),
    (["--checkpoint", "no/such/dir"], "no motion checkpoint"),
])
def test_generate_and_motion_bad_input_exit_2(tmp_path, capsys, tiny_checkpoint, speech_wav,
                                              extra, message):
    base = ["--audio", str(speech_wav), "--checkpoint", str(tiny_checkpoint)]
    for command in (["motion", "--out", str(tmp_path / "m.csv")],
                    ["generate", "--out", str(tmp_path / "o.mp4"), "--size", "64"]):
        assert main(command + base + extra) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err
    assert not (tmp_path / "m.csv").exists() and not (tmp_path / "o.mp4").exists()


def test_corpus_build_calls_build_corpus(tmp_path, capsys, monkeypatch):
    import vasa_core.data.corpus as corpus

    calls = []
    monkeypatch.setattr(corpus, "build_corpus", lambda out, hours, **kw: calls.append(
        (out, hours, kw)) or {"clips": 3, "seconds": 36.0})
    assert main(["corpus", "build", "--hours", "0.01", "--out", str(tmp_path), "--seed", "4"]) == 0
    assert main(["corpus", "build", "--hours", "0.01", "--out", str(tmp_path),
                 "--festival", "0.4"]) == 0
    assert calls == [(tmp_path, 0.01, {"seed": 4, "workers": 1, "festival": 0.0}),
                     (tmp_path, 0.01, {"seed": 0, "workers": 1, "festival": 0.4})]


def test_train_forwards_its_arguments(monkeypatch, capsys):
    import types

    seen = []
    fake = types.ModuleType("vasa_core.train")
    fake.main = seen.append
    monkeypatch.setitem(sys.modules, "vasa_core.train", fake)
    monkeypatch.setattr(vasa_core, "train", fake, raising=False)
    assert main(["train", "--data", "corpus", "--steps", "3"]) == 0
    assert seen == [["--data", "corpus", "--steps", "3"]]


def test_train_without_the_training_module_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "vasa_core.train", None)  # makes the import fail
    monkeypatch.delattr(vasa_core, "train", raising=False)
    assert main(["train"]) == 2
    assert "vasa_core.train" in capsys.readouterr().err


def test_an_auto_control_takes_auto_on_the_command_line():
    """`--distance auto` is None (the model chooses); the default is the photo's own 0."""
    from vasa_core.cli import build_parser

    parser = build_parser()
    base = ["generate", "--audio", "a.wav", "--out", "o.mp4"]
    assert parser.parse_args(base).distance == 0.0
    assert parser.parse_args(base + ["--distance", "auto"]).distance is None
    assert parser.parse_args(base + ["--distance", "0.1"]).distance == 0.1
