"""The Gradio web app (app.py, demo/): every endpoint called through gradio_client.

The app is launched once, in-process, on a free port of 127.0.0.1, around the shipped
checkpoint (or the tiny random one of tiny_checkpoint.py when it is missing). Clips are
short (~1.5 s of eSpeak speech, 256 px, 2 steps) so the whole file stays fast on 2 cores.
"""
from __future__ import annotations

import csv
import io
import math
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from scipy.io import wavfile

import app as app_module  # the repository root is on pytest's pythonpath (pyproject.toml)
from demo.handlers import (FROM_VOICE, LIVE_HOP, LIVE_LIP_LOOKAHEAD, NO_AUDIO, NO_CONSENT,
                           NO_PORTRAIT, Demo, pipeline_options)
from demo.ui import build_app
from tiny_checkpoint import save_tiny_checkpoint
from vasa_core.io.arkit_table import COLUMNS
from vasa_core.speech.tts import Voice, synthesize
from vasa_core.io.examples import example_portrait_path
from vasa_core.io.media import AI_COMMENT
from vasa_core.pipeline import DEFAULT_CHECKPOINT, TalkingFacePipeline

TEXT = "Hello, nice to meet you."
SIZE = 256
MAX_SECONDS = 3.0  # the app's audio limit in these tests, so "too long" is cheap to reach
PORTRAIT = str(example_portrait_path())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def pipe(tmp_path_factory) -> TalkingFacePipeline:
    if (DEFAULT_CHECKPOINT / "config.json").is_file():
        return TalkingFacePipeline.from_pretrained()
    return TalkingFacePipeline.from_pretrained(
        save_tiny_checkpoint(tmp_path_factory.mktemp("checkpoint")))


@pytest.fixture(scope="module")
def server(pipe):
    """(the launched Blocks, its URL); closed after the module's tests."""
    blocks = build_app(pipe, max_seconds=MAX_SECONDS)
    port = free_port()
    blocks.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port,
                  quiet=True)
    try:
        yield blocks, f"http://127.0.0.1:{port}"
    finally:
        blocks.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server[1] + "/", verbose=False)


@pytest.fixture(scope="module")
def frames_expected() -> int:
    """T = ceil(seconds * 25) of TEXT as the app speaks it (16 kHz eSpeak, 640 per frame)."""
    wave = synthesize(TEXT, Voice(language="en"), sample_rate=16000).wave
    assert 1.0 < len(wave) / 16000 < MAX_SECONDS
    return math.ceil(len(wave) / 640)


def request(**changes) -> dict:
    """The endpoints' arguments: built-in portrait, TEXT, fast settings; `changes` on top."""
    args = dict(portrait=handle_file(PORTRAIT), audio=None, text=TEXT, language="en",
                source="text", consent=True, gaze_auto=True, gaze_yaw=0, gaze_pitch=0,
                distance_auto=True, distance=0, emotion=FROM_VOICE, emotion_strength=1,
                head_motion=1, blink_rate=15, lip_reading=1, lip_words=True,
                lip_lookahead_auto=True, lip_lookahead=1, cfg_audio=0.5, cfg_control=0.5,
                steps=2, seed=0, size=SIZE, crop="face", mark=True)
    return {**args, **changes}


@pytest.fixture(scope="module")
def generated(client):
    return client.predict(**request(), api_name="/generate")


def test_generate_returns_an_mp4_with_sound_of_the_speech(generated, frames_expected):
    video, _, files, status = generated
    assert [Path(f).name for f in files] == ["talking-face.mp4", "motion-arkit.csv"]
    with av.open(video) as container:
        assert container.metadata.get("comment") == AI_COMMENT
        stream = container.streams.video[0]
        assert (stream.width, stream.height, float(stream.average_rate)) == (SIZE, SIZE, 25.0)
        assert container.streams.audio, "the mp4 has no sound"
        assert sum(1 for _ in container.decode(video=0)) == frames_expected
    assert f"{frames_expected} frames" in status


def test_generate_returns_the_motion_as_arkit_csv_and_a_plot(generated, frames_expected):
    _, plot, files, _ = generated
    with open(files[1], newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + frames_expected
    assert plot["type"] == "matplotlib" and plot["plot"].startswith("data:image/png;base64,")


def test_a_picked_portrait_is_previewed_or_refused_at_once(pipe, tmp_path):
    """On upload the page shows the crop that will be animated, or says at once why a
    file cannot be (not an image, no face), before anyone presses Generate."""
    demo = Demo(pipe, MAX_SECONDS)
    frame, note = demo.preview(PORTRAIT, 256, "face", 1080, 1.0, True)
    assert frame.shape == (256, 256, 3) and note.startswith("The face and the crop")
    np.testing.assert_array_equal(frame, pipe.render(PORTRAIT, pipe.analyze(
        PORTRAIT, 256).motion0(), size=256)[0])  # exactly the clip's first frame at rest
    full, _ = demo.preview(PORTRAIT, 256, "full", 300, 1.0, True)
    assert max(full.shape[:2]) == 300
    # the margin control: less room crops tighter, so the face fills more of the frame
    # (re-read on the pixels); more room than the photo has stops at the photo
    from vasa_core.face import analyze_image

    def face_width(image: np.ndarray) -> float:
        x0, _, x1, _ = analyze_image(image).face_box
        return x1 - x0

    tight, note = demo.preview(PORTRAIT, 256, "face", 1080, 0.7, True)
    assert tight.shape == (256, 256, 3) and note.startswith("The face and the crop")
    assert face_width(tight) / face_width(frame) == pytest.approx(1 / 0.7, rel=0.1)
    wide, _ = demo.preview(PORTRAIT, 256, "face", 1080, 1.5, True)
    assert face_width(wide) == pytest.approx(face_width(frame), rel=0.05)  # 512 px wide photo
    text = tmp_path / "holiday.jpg"
    text.write_text("not a photo")
    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(blank)
    for path, says in ((text, "holiday.jpg"), (blank, "face")):
        frame, note = demo.preview(str(path), 256, "face", 1080, 1.0, True)
        assert frame is None and note.startswith("⚠") and says in note
    assert demo.preview(None, 256, "face", 1080, 1.0, True) == (None, "")


def test_the_time_a_clip_takes_is_said_before_it_starts(pipe, tmp_path):
    """The preview guesses the time from its own render; a clip's measured pace then
    replaces the guess for that framing, and the first progress line says it."""
    from demo.pace import Pace, about

    pace, framing = Pace(), ("me.jpg", 512, "face", 1080)
    assert pace.seconds(framing, 10.0) is None and about(None) == ""
    pace.previewed(framing, 0.018)  # one frame rendered in 18 ms
    assert pace.seconds(framing, 10.0) == pytest.approx(250 * 0.018 / 0.45)
    pace.made(framing, frames=250, seconds=15.0)
    assert pace.seconds(framing, 4.0) == pytest.approx(6.0)  # 100 frames at 60 ms
    assert pace.seconds(("me.jpg", 256, "face", 1080), 4.0) is None  # another framing
    assert about(6.0) == ", about 6 s" and about(200.0, "{} left") == "3 min left"

    demo = Demo(pipe, MAX_SECONDS)
    _, note = demo.preview(PORTRAIT, 256, "face", 1080, 1.0, True)
    guess = demo.pace.seconds((PORTRAIT, 256, "face", 1080, 1.0), 10.0)
    assert guess > 0 and f"10 s of speech take about {guess:.0f} s" in note
    seen = []
    controls = {k: v for k, v in request().items() if k not in
                ("portrait", "audio", "text", "language", "source", "consent")}
    try:
        demo.generate(PORTRAIT, None, TEXT, "en", "text", True, controls,
                      progress=lambda fraction, desc=None: seen.append(desc))
    finally:
        demo.files.cleanup()
    assert seen[1].startswith("Animating ") and ", about " in seen[1], seen[:3]


def test_frame_progress_counts_frames_and_estimates_the_time_left(monkeypatch):
    """The bar follows the frames written; the time left comes from the pace so far."""
    from demo import handlers

    clock = iter([100.0, 101.0, 103.0])
    # the handlers' own clock only: patching time.monotonic itself would also feed the
    # app's server thread (asyncio's loop time) from this short iterator and kill it
    monkeypatch.setattr(handlers, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    seen = []
    report = handlers.frame_progress(lambda fraction, desc: seen.append((fraction, desc)))
    for done in (16, 32, 64):
        report(done, 100)
    assert [round(f, 3) for f, _ in seen] == [0.286, 0.422, 0.694]
    assert seen[0][1] == "Frame 16 of 100"
    assert seen[1][1] == "Frame 32 of 100, about 4 s left"  # 16 frames a second, 68 to go
    assert seen[2][1] == "Frame 64 of 100, about 2 s left"  # 48 frames in 3 s, 36 to go


def test_speak_returns_the_text_as_16khz_speech(client):
    rate, wave = wavfile.read(client.predict(TEXT, "fr", api_name="/speak"))
    reference = synthesize(TEXT, Voice(language="fr"), sample_rate=16000).wave
    assert rate == 16000 and wave.dtype == np.int16
    assert abs(len(wave) - len(reference)) <= 160
    assert np.abs(wave).max() > 3000  # speech, not silence


def test_live_serves_a_growing_mp4_with_sound_once(server, client, frames_expected):
    """/live hands out the URL of an mp4 at once, then draws it; the page (player.js)
    fetches it while it grows: fragments arrive over the clip's time, and the whole holds
    every frame and the sound. The URL plays once."""
    started = time.monotonic()
    job = client.submit(**request(), api_name="/live")
    deadline = time.monotonic() + 120  # (not next(job): gradio_client spins on a refusal)
    while not job.outputs() and not job.done():
        assert time.monotonic() < deadline, "no URL from /live"
        time.sleep(0.02)
    url, status = job.outputs()[0] if job.outputs() else job.result()
    assert url.startswith("/vasa-live/") and status.startswith("Streaming")
    arrivals, body = [], b""
    with urllib.request.urlopen(server[1] + url, timeout=120) as reply:
        assert reply.headers["Content-Type"] == "video/mp4"
        while chunk := reply.read1(1 << 16):
            arrivals.append(time.monotonic() - started)
            body += chunk
    assert f"Streamed {frames_expected} frames" in job.result()[1]
    with av.open(io.BytesIO(body)) as container:
        assert container.streams.audio
        shapes = [frame.to_ndarray(format="rgb24").shape for frame in container.decode(video=0)]
    assert shapes == [(SIZE, SIZE, 3)] * frames_expected
    # Streaming, not a file at the end: the bytes arrive over the clip's time, the first
    # long before the last. (How soon the page plays is tests/test_browser.py's check.)
    assert arrivals[-1] - arrivals[0] > 0.3 * frames_expected / 25, arrivals
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(server[1] + url, timeout=30)
    assert again.value.code == 404 and b"Press Live again" in again.value.read()


@pytest.mark.parametrize("auto, expected", [(True, LIVE_LIP_LOOKAHEAD), (False, 3)])
def test_live_reads_the_recorded_speech_ahead(pipe, monkeypatch, auto, expected):
    """The app's speech is recorded, so Live's lip reader, left on auto, hears
    LIVE_LIP_LOOKAHEAD frames ahead (a live voice's 2 frames leave the mouth late); a
    look-ahead the user set is kept."""
    calls, stream = [], pipe.stream

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return stream(*args, **kwargs)

    monkeypatch.setattr(pipe, "stream", spy)
    inputs = ("portrait", "audio", "text", "language", "source", "consent")
    controls = {key: value for key, value in
                request(lip_lookahead_auto=auto, lip_lookahead=3).items()
                if key not in inputs}
    statuses = [status for _, status in
                Demo(pipe, MAX_SECONDS).live(PORTRAIT, None, TEXT, "en", "text", True,
                                             controls)]
    assert statuses[-1].startswith("Streamed"), statuses
    assert [(c["lip_lookahead"], c["hop"], c["lead"]) for c in calls] == [
        (expected, LIVE_HOP, LIVE_HOP)]  # whole windows from the first
    assert LIVE_LIP_LOOKAHEAD > 1


def test_the_audio_widget_drives_generation_when_chosen(client, tmp_path, frames_expected):
    speech = tmp_path / "speech.wav"
    wave = synthesize(TEXT, Voice(language="en"), sample_rate=16000).wave
    wavfile.write(speech, 16000, (wave * 32767).astype(np.int16))
    video, *_ = client.predict(**request(audio=handle_file(str(speech)), source="audio",
                                         text=""), api_name="/generate")
    with av.open(video) as container:
        assert sum(1 for _ in container.decode(video=0)) == frames_expected


@pytest.mark.parametrize("endpoint", ["/generate", "/live"])
def test_consent_unchecked_is_refused(client, endpoint):
    with pytest.raises(AppError, match="I have the right to animate this face"):
        client.predict(**request(consent=False), api_name=endpoint)
    assert "I have the right to animate this face" in NO_CONSENT


def test_image_without_a_face_gives_a_readable_error(client, tmp_path):
    grey = tmp_path / "grey.png"
    Image.new("RGB", (256, 256), (128, 128, 128)).save(grey)
    with pytest.raises(AppError, match="No face found in the image"):
        client.predict(**request(portrait=handle_file(str(grey))), api_name="/generate")
    # Live hands out its URL before the pipeline looks at the face: the error still comes
    # back, as the same message
    with pytest.raises(AppError, match="No face found in the image"):
        client.predict(**request(portrait=handle_file(str(grey))), api_name="/live")


def test_missing_inputs_and_bad_audio_give_readable_errors(client, tmp_path):
    with pytest.raises(AppError) as info:
        client.predict(**request(portrait=None), api_name="/generate")
    assert str(info.value) == NO_PORTRAIT
    with pytest.raises(AppError) as info:
        client.predict(**request(source="audio"), api_name="/generate")
    assert str(info.value) == NO_AUDIO
    with pytest.raises(AppError, match="No text to speak"):
        client.predict(**request(text="   "), api_name="/generate")
    noise = tmp_path / "noise.wav"
    noise.write_bytes(b"this is not a sound file" * 100)
    with pytest.raises(AppError, match="noise.wav") as info:
        client.predict(**request(audio=handle_file(str(noise)), source="audio"),
                       api_name="/generate")
    assert "/tmp" not in str(info.value)  # the file as the user named it, not its temp path
    long = tmp_path / "long.wav"
    wavfile.write(long, 16000, np.zeros(int((MAX_SECONDS + 1) * 16000), np.int16))
    with pytest.raises(AppError, match=f"longer than this app's limit of {MAX_SECONDS:g} s"):
        client.predict(**request(audio=handle_file(str(long)), source="audio"),
                       api_name="/generate")


def test_examples_need_no_files_the_built_in_portrait_is_served(server):
    blocks, url = server
    dataset = next(c for c in blocks.config["components"] if c["type"] == "dataset")
    samples = dataset["props"]["samples"]
    portrait, audio, text, language, source = samples[0]
    assert portrait["orig_name"] == Path(PORTRAIT).name
    assert not audio and text and language == "en" and source == "text"
    with urllib.request.urlopen(url + portrait["url"]) as response:
        assert response.status == 200 and response.read() == Path(PORTRAIT).read_bytes()
    with urllib.request.urlopen(url + "/") as response:
        assert response.status == 200
    # several people, several languages, every built-in portrait among them
    from vasa_core.io.examples import example_portraits

    names = {sample[0]["orig_name"] for sample in samples}
    assert {example.path.name for example in example_portraits()} <= names
    assert len({sample[3] for sample in samples if sample[2]}) >= 4
    # and a song (the table shows its name; the browser test plays it)
    assert any(sample[1] in ("daisy-bell.wav", "sung-melody.wav") for sample in samples)


def test_pipeline_options_map_auto_and_from_voice_to_none():
    widgets = dict(gaze_auto=True, gaze_yaw=10, gaze_pitch=5, distance_auto=True, distance=0.1,
                   emotion=FROM_VOICE, emotion_strength=1.5, head_motion=0.0, blink_rate=20,
                   lip_reading=0.5, lip_words=False, lip_lookahead_auto=False,
                   lip_lookahead=4.0, cfg_audio=1, cfg_control=2, steps=4, seed=7, size="384",
                   crop="full", mark=False)
    options = pipeline_options(widgets)
    assert options == dict(gaze=None, distance=None, emotion=None, emotion_strength=1.5,
                           head_motion=0.0, blink_rate=20.0, lip_reading=0.5, lip_words=False,
                           lip_lookahead=4, cfg_audio=1.0, cfg_control=2.0, steps=4, seed=7,
                           size=384, crop="full", mark=False)
    commanded = pipeline_options({**widgets, "gaze_auto": False, "distance_auto": False,
                                  "emotion": "happy"})
    assert (commanded["gaze"], commanded["distance"], commanded["emotion"]) == (
        (10.0, 5.0), 0.1, "happy")
    assert pipeline_options({**widgets, "lip_lookahead_auto": True})["lip_lookahead"] is None


def test_app_binds_localhost_and_takes_the_port_from_env_or_flag(monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    args = app_module.parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 7999)
    args = app_module.parse_args(["--port", "8123", "--host", "0.0.0.0"])
    assert (args.host, args.port) == ("0.0.0.0", 8123)
