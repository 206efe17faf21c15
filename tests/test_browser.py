"""The web app in a real browser: `python app.py` served in a subprocess, driven by headless
Chromium through Playwright.

A user's path through the page: load it, upload a portrait and a speech clip (a shared
portrait and a 2 s cut of a shared speech file when ../shared/assets exists, else the
built-in portrait and eSpeak speech), pick the 256 px size and an emotion, tick the consent
box, press "Generate video" and get a playable mp4 in a <video> element; then bad uploads,
which must end in a readable message in the page, never a bare "Error" or a stack trace.

Uses Debian's Chromium (`apt-get install chromium`, done by .ci/run; Playwright's own browser
download is not needed) and skips, saying why, without it or without the playwright package.
Screenshots of every step go to outputs/browser/ (git-ignored): look at them after a change
to the page.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import psutil
import pytest
import soundfile as sf

from benchmarks.live_page import TEXT as LIVE_TEXT, WATCH as WATCH_LIVE
from benchmarks.live_page import launch_chromium
from vasa_core.io.examples import example_portrait_path, shared_assets_dir, shared_portraits

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r "
    "requirements-dev.txt)")

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "outputs" / "browser"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SERVER_START_S = 240  # loading torch, mediapipe and the checkpoint on a busy 2-core machine
GENERATE_S = 180
HANG_S = GENERATE_S + 120  # a test still running after this has hung (see Watchdog)
SPEECH_SECONDS = 2.0
TITLE = "vasa_core talking portrait"
# Live (issue 26): about 10 s of eSpeak speech (benchmarks/live_page.py's text and event
# recorder); the first picture within FIRST_PICTURE_S of the click, then at most MAX_STALLS
# stalls and a play time within PLAY_TOLERANCE of the clip's length. A 3000 px photo must
# do as well: it is prepared once, on upload.
FIRST_PICTURE_S, MAX_STALLS, PLAY_TOLERANCE = 1.0, 1, 0.10
BIG_SIDE = 3000


def find_chromium() -> str | None:
    """$CHROMIUM, else the first Chromium or Chrome program on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found (Debian: apt-get install chromium; .ci/run "
    "installs it as root; or set $CHROMIUM to a Chrome/Chromium program)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


class Watchdog:
    """Kills Playwright's driver and Chromium (children of this process) when a test runs
    past its deadline. A browser can hang where Playwright has no timeout (starting its
    driver, opening a page; once in CI the first test here never returned and held the
    run for 90 minutes); killed, the waiting call fails with "connection closed", the
    test fails, and the rest of the suite runs."""

    def __init__(self) -> None:
        self.deadline, self.fired = math.inf, False
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def arm(self, seconds: float) -> None:
        """A new deadline, `seconds` from now; `fired` then says whether it passed."""
        self.deadline, self.fired = time.monotonic() + seconds, False

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            if time.monotonic() > self.deadline:
                self.fired, self.deadline = True, math.inf
                for child in psutil.Process().children(recursive=True):
                    try:
                        if child.name().startswith(("node", "chrom")):
                            child.kill()
                    except psutil.Error:
                        pass


@pytest.fixture(scope="module", autouse=True)
def watchdog():
    """Armed for the server's start and the browser's launch, then per test (below)."""
    dog = Watchdog()
    dog.arm(SERVER_START_S + HANG_S)
    yield dog
    dog.stop()


@pytest.fixture(autouse=True)
def deadline(watchdog, request):
    watchdog.arm(HANG_S)
    yield
    if watchdog.fired:
        pytest.fail(f"the browser hung: {request.node.name} ran past {HANG_S} s and "
                    "Chromium was killed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The URL of `python app.py` on a free port (the shipped checkpoint; the tiny random
    one when it is missing); the process is stopped after the module, pass or fail."""
    from vasa_core.pipeline import DEFAULT_CHECKPOINT

    tmp = tmp_path_factory.mktemp("server")
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port := free_port())]
    if not (DEFAULT_CHECKPOINT / "config.json").is_file():
        from tiny_checkpoint import save_tiny_checkpoint

        command += ["--checkpoint", str(save_tiny_checkpoint(tmp / "checkpoint"))]
    log = tmp / "app.log"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                with urllib.request.urlopen(url, timeout=5) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not answer {url} within {SERVER_START_S} s:\n"
                            f"{_log_tail(log)}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()  # app.py treats SIGTERM like Ctrl+C: Gradio shuts down cleanly
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Bad uploads are handled: the server must not have printed a traceback for them.
    assert "Traceback" not in log.read_text(errors="replace"), \
        f"app.py printed a traceback:\n{_log_tail(log, 6000)}"


@pytest.fixture(scope="module")
def browser():
    shutil.rmtree(SHOTS, ignore_errors=True)  # only this run's screenshots
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, CHROMIUM)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh tab on the app, loaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(server)
    tab.get_by_role("button", name="Generate video").wait_for()
    try:
        yield tab
    finally:
        context.close()


def shot(page, name: str, **options) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path, animations="disabled", **options)
    return path


@pytest.fixture(scope="module")
def portrait() -> Path:
    """The first shared portrait, else the built-in one."""
    return next(iter(shared_portraits()), None) or example_portrait_path()


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    """A short wav: the first SPEECH_SECONDS of the shortest shared speech file, else a
    sentence of eSpeak speech (about 1.5 s)."""
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    folder = (shared_assets_dir() or Path("/nonexistent")) / "speech"
    clips = sorted(folder.glob("*.wav")) if folder.is_dir() else []
    if clips:
        shortest = min(clips, key=lambda clip: (sf.info(clip).duration, clip.name))
        rate = sf.info(shortest).samplerate
        wave, rate = sf.read(shortest, frames=int(SPEECH_SECONDS * rate), always_2d=True)
    else:
        from vasa_core.speech.tts import Voice, synthesize

        rate = 16000
        wave = synthesize("Hello, nice to meet you.", Voice(language="en"),
                          sample_rate=rate).wave
    sf.write(path, np.asarray(wave, dtype=np.float32), rate, subtype="PCM_16")
    return path


def upload(page, label: str, path: Path) -> None:
    """Put a file into the upload widget labelled `label` (its hidden file input); the
    speech widget is on its tab, opened first as a person would."""
    if label == "Speech audio":
        page.get_by_role("tab", name="Audio file or microphone").click()
    index = {"Portrait": 0, "Speech audio": 1}[label]
    page.locator("input[type=file]").nth(index).set_input_files(str(path))


def toast_texts(page) -> list[str]:
    return page.get_by_test_id("toast-text").all_inner_texts()


# Plays the page's generated <video> muted and says how that went. Chromium's media fetch
# of the file can stall for good in CI (readyState 0, networkState LOADING, even after
# load(): seen in CI twice and in one local full-suite run of four, never when run alone).
# So a load that stalls for 20 s is retried from the bytes the page fetches itself (a
# blob URL): the mp4 must still be served and play in Chromium; `how` says which way it
# played and `stalls` what the stall looked like.
PLAY_VIDEO = """async () => {
    const v = document.querySelector('video[src]');
    const within = (promise, ms, what) => Promise.race([promise, new Promise((_, fail) =>
        setTimeout(() => fail(new Error(what + ' did not happen in ' + ms + ' ms')), ms))]);
    const loaded = () => v.readyState >= 2 ? Promise.resolve() : new Promise(done => {
        v.addEventListener('loadeddata', done, {once: true});
        v.addEventListener('error', done, {once: true});
    });
    const src = v.src, stalls = [];
    const play = async () => {
        await within(loaded(), 20000, 'loadeddata');
        v.muted = true;
        await within(v.play(), 20000, 'play()');
        v.pause();
    };
    let how = 'src';
    try { await play(); } catch (err) {
        stalls.push({err: String(err), readyState: v.readyState, networkState: v.networkState});
        how = 'blob';
        try {
            const started = performance.now();
            const body = await within(fetch(src).then(r => r.blob()), 20000, 'fetch');
            stalls.push({fetched: body.size, ms: Math.round(performance.now() - started)});
            v.src = URL.createObjectURL(body);
            await play();
        } catch (err) { how = String(err); }
    }
    return {src, how, stalls, readyState: v.readyState, duration: v.duration,
            width: v.videoWidth, height: v.videoHeight, error: v.error && v.error.code};
}"""


def test_generate_video_in_browser(page, portrait, speech):
    expect = sync_api.expect
    assert page.title() == TITLE
    expect(page.locator("h1")).to_contain_text("talking portrait")
    shot(page, "01-loaded", full_page=True)
    generate = page.get_by_role("button", name="Generate video").bounding_box()
    assert generate["y"] + generate["height"] <= page.viewport_size["height"]  # no scrolling

    upload(page, "Portrait", portrait)
    expect(page.get_by_test_id("image").locator("img")).to_be_visible()
    upload(page, "Speech audio", speech)
    # The open tab is the speech source.
    expect(page.get_by_role("tab", name="Audio file or microphone")).to_have_attribute(
        "aria-selected", "true")
    page.get_by_label("256").check()
    page.get_by_label("Emotion", exact=True).click()
    page.get_by_role("option", name="happy", exact=True).click()
    expect(page.get_by_label("Emotion", exact=True)).to_have_value("happy")
    page.get_by_label("I have the right to animate this face").check()
    shot(page, "02-filled", full_page=True)

    started = time.monotonic()
    page.get_by_role("button", name="Generate video").click()
    video = page.locator("video[src]").first
    video.wait_for(timeout=GENERATE_S * 1000)
    status = page.get_by_text("Rendered ")
    expect(status).to_contain_text("256×256", timeout=30_000)
    seconds = time.monotonic() - started

    state = page.evaluate(PLAY_VIDEO)
    said = json.dumps(state)  # whole, where pytest would cut a dict's repr short
    assert state["error"] is None and state["readyState"] >= 2, said
    assert state["how"] in ("src", "blob"), said
    print(f"the video played from its {state['how']}; stalls: {state['stalls']}")
    assert abs(state["duration"] - sf.info(speech).duration) < 0.1, state
    assert (state["width"], state["height"]) == (256, 256), state
    mp4 = page.request.get(state["src"], timeout=20_000).body()
    assert mp4[4:8] == b"ftyp" and len(mp4) > 10_000, mp4[:16]

    # the downloads: the mp4 and the ARKit CSV
    expect(page.get_by_role("cell", name="talking-face.mp4")).to_be_visible()
    expect(page.get_by_role("cell", name="motion-arkit.csv")).to_be_visible()
    assert toast_texts(page) == []
    shot(page, "03-video", full_page=True)
    video.screenshot(path=SHOTS / "03-video-player.png")
    print(f"generated in the browser in {seconds:.1f} s: {status.inner_text()}")


def test_the_painting_sings_the_example_song(page, tmp_path):
    """The examples lead: one click on the song example fills the painting and the song
    (its tab opens), and Generate makes a video as long as the song."""
    expect = sync_api.expect
    row = page.locator("tr", has_text=".wav").first  # daisy-bell.wav, or sung-melody.wav
    row.scroll_into_view_if_needed()
    song = row.inner_text().split(".wav")[0].split()[-1] + ".wav"
    row.click()
    expect(page.get_by_role("tab", name="Audio file or microphone")).to_have_attribute(
        "aria-selected", "true")
    expect(page.get_by_text("The face and the crop that will be animated")).to_be_visible(
        timeout=60_000)  # the painting's face is found on upload
    page.get_by_label("256").check()
    page.get_by_label("I have the right to animate this face").check()
    page.get_by_role("button", name="Generate video").click()
    page.locator("video[src]").first.wait_for(timeout=GENERATE_S * 1000)
    expect(page.get_by_text("Rendered ")).to_contain_text("256×256", timeout=30_000)
    state = page.evaluate(PLAY_VIDEO)
    assert state["how"] in ("src", "blob"), state
    from vasa_core.speech.song import example_song

    same = example_song(tmp_path)  # what the app wrote (deterministic)
    assert same.path.name == song
    assert abs(state["duration"] - sf.info(same.path).duration) < 0.1, (song, state)
    assert toast_texts(page) == []
    shot(page, "04-song-example", full_page=True)


BAD_UPLOADS = {
    # widget, file name, content, what the page must say
    "corrupt-audio": ("Speech audio", "broken.wav", b"RIFF\0\0\0\0WAVEnot audio" * 20,
                      "Could not decode broken.wav as audio"),
    "text-as-jpg": ("Portrait", "notes.jpg", b"this is not a picture\n" * 10,
                    "Could not read notes.jpg as an image"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_shows_readable_error(page, portrait, speech, tmp_path, case):
    expect = sync_api.expect
    widget, name, content, message = BAD_UPLOADS[case]
    bad = tmp_path / name
    bad.write_bytes(content)
    upload(page, "Portrait", bad if widget == "Portrait" else portrait)
    if widget == "Portrait":  # flagged on upload (the crop preview), before Generate
        expect(page.get_by_test_id("toast-text").first).to_contain_text(message,
                                                                         timeout=60_000)
    upload(page, "Speech audio", bad if widget == "Speech audio" else speech)
    page.get_by_label("I have the right to animate this face").check()
    page.get_by_role("button", name="Generate video").click()

    toast = page.get_by_test_id("toast-text").first
    expect(toast).to_contain_text(message, timeout=GENERATE_S * 1000)
    expect(page.get_by_test_id("toast-body").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # the toast slides in
    shot(page, f"04-error-{case}")
    text = toast.inner_text()
    body = page.locator("body").inner_text()
    for leak in ("Traceback", 'File "', "/tmp/", "ComponentProcessingError"):
        assert leak not in text and leak not in body, (leak, text)
    assert page.locator("video[src]").count() == 0


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory) -> Path:
    """The built-in portrait enlarged to BIG_SIDE px on its long side (a phone photo)."""
    from PIL import Image

    image = Image.open(example_portrait_path()).convert("RGB")
    scale = BIG_SIDE / max(image.size)
    path = tmp_path_factory.mktemp("big") / "big-photo.jpg"
    image.resize((round(image.width * scale), round(image.height * scale)),
                 Image.LANCZOS).save(path, quality=90)
    return path


@pytest.mark.parametrize("photo", ["built-in", f"{BIG_SIDE} px"])
def test_live_plays_in_the_page_at_once_and_without_stalls(page, photo, big_photo):
    expect = sync_api.expect
    portrait = big_photo if photo != "built-in" else example_portrait_path()
    upload(page, "Portrait", portrait)
    # prepared on upload: the crop preview is the analysed face
    expect(page.get_by_text("The face and the crop that will be animated")).to_be_visible(
        timeout=120_000)
    page.get_by_label("Text to speak").fill(LIVE_TEXT)
    page.get_by_label("I have the right to animate this face").check()
    page.evaluate(WATCH_LIVE)
    page.get_by_role("button", name="Live", exact=True).click()
    page.wait_for_function("window.liveEvents.some(e => e[0] === 'ended' || "
                           "e[0] === 'error')", timeout=GENERATE_S * 1000)
    expect(page.get_by_text("Streamed ")).to_be_visible(timeout=30_000)
    shot(page, f"05-live-{photo.replace(' ', '')}")
    result = page.evaluate("""() => {
        const v = document.querySelector('#live-player video');
        return {events: window.liveEvents, click: window.liveClick, duration: v.duration,
                audio: v.webkitAudioDecodedByteCount, frames: v.webkitDecodedFrameCount,
                muted: v.muted, error: document.querySelector('#live-player').dataset.error};
    }""")
    events = result["events"]
    assert result["error"] is None and not any(e[0] == "error" for e in events), result
    playing = next(e[1] for e in events if e[0] == "playing")
    ended = next(e[1] for e in events if e[0] == "ended")
    first = (playing - result["click"]) / 1000
    stalls = sum(1 for kind, _, at in events if kind == "waiting" and at > 0.05)
    played = (ended - playing) / 1000
    status = page.get_by_text("Streamed ").inner_text()
    print(f"live, {photo} photo: first picture {first:.2f} s after the click, {stalls} "
          f"stalls, played {played:.2f} s of {result['duration']:.2f} s; {status}")
    assert result["duration"] > 8.0 and result["frames"] >= 0.9 * 25 * result["duration"]
    assert result["audio"] > 0 and not result["muted"], result  # with its sound
    assert first <= FIRST_PICTURE_S, events
    # Stalls are the page's fault only where the frames came in time: on a machine that
    # drew the clip slower than it plays (a busy 2-core CI box, 11 s for 9.6 s), the player
    # must wait whatever it does. The machine's pace is a benchmark's figure
    # (benchmarks/live_page.py, benchmarks/RESULTS.md), not this test's.
    drawing = float(re.search(r"\) in ([0-9.]+) s;", status).group(1))
    if drawing <= result["duration"]:
        assert stalls <= MAX_STALLS, events
        assert abs(played - result["duration"]) <= PLAY_TOLERANCE * result["duration"], events
    assert toast_texts(page) == []


HUNG_PAGE = """
import sys, time
sys.path[:0] = [{tests!r}, {repo!r}]
import test_browser as tb
with tb.sync_api.sync_playwright() as playwright:
    browser = tb.launch_chromium(playwright, tb.CHROMIUM)
    page = browser.new_page()
    dog, started = tb.Watchdog(), time.monotonic()
    dog.arm({deadline})
    try:
        page.evaluate("new Promise(() => {{}})")  # never settles; Playwright waits forever
    except tb.sync_api.Error as error:
        print("raised", round(time.monotonic() - started, 1), type(error).__name__)
    print("fired", dog.fired)
"""


def test_the_watchdog_ends_a_hung_page():
    """A page call that never returns (an evaluate whose promise never settles: Playwright
    has no timeout there) raises soon after the watchdog's deadline instead of hanging;
    in its own process, since it kills that process's Chromium."""
    script = HUNG_PAGE.format(tests=str(REPO / "tests"), repo=str(REPO), deadline=3)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=REPO, check=False)
    lines = done.stdout.splitlines()
    raised = next((line.split() for line in lines if line.startswith("raised")), None)
    assert raised is not None, done.stdout + done.stderr[-2000:]
    assert 3 <= float(raised[1]) <= 3 + 10 and "fired True" in lines, done.stdout
