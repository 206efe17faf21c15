"""The web app's callbacks: widget values in, `TalkingFacePipeline` calls, files out.

Every callback turns bad input (no portrait, no face, no or unreadable audio, audio that is
too long, consent not given) into a `gr.Error` whose message the page shows as it is; a
stack trace never reaches the user. The callbacks hold no maths: `pipeline_options` is the
whole mapping from widgets to pipeline arguments, and the rest is files and messages.

Files (the mp4, the CSV, speech) go to a private temporary folder, one
subfolder per request; Gradio copies what it serves into its own cache (pruned by the
Blocks' `delete_cache`), our subfolders are pruned after `KEEP_SECONDS` and the whole folder
is removed when the app is closed (Ctrl+C, `close()`) or exits.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import numpy as np
from scipy.io import wavfile

from vasa_core.io.arkit import motion_to_csv
from vasa_core.audio import load_audio
from vasa_core.speech.tts import LANGUAGES, Voice, synthesize
from vasa_core.io.limits import LIMITS
from vasa_core.grid import FPS, SAMPLE_RATE
from vasa_core.pipeline import TalkingFacePipeline, notices
from vasa_core.settings import DEFAULTS, part_names, table

from .live import LiveStreams
from .pace import Pace, about
from .plot import motion_figure

MAX_SECONDS = LIMITS.app_max_audio_seconds  # longest speech the app animates (CLI: 600 s)
MAX_TEXT_CHARS = LIMITS.max_text_chars
CHUNK_SAMPLES = SAMPLE_RATE // 50  # live mode feeds the pipeline 20 ms at a time
# Frames per motion window in live mode. The pipeline's own 2-frame hop is for a voice that
# is still being spoken; the app's speech is recorded, so windows of 8 (320 ms) cost a
# third less per frame for ~30 ms more before the first one (benchmarks/RESULTS.md). The
# first window is a whole one too: the stream's one-frame first window (STREAM_LEAD) buys
# no earlier picture in the page, which buffers 0.2 s of media before playing.
LIVE_HOP = 8
# The lip reader's look-ahead in live mode when left on auto. A live voice can only be
# heard as it comes (2 frames, the pipeline's stream default), but the app's speech is
# recorded, so the reader hears a window's length ahead: the mouth follows its sound
# about as well as with 1 s, and the first picture comes about as soon as with 1 frame
# of look-ahead (benchmarks/RESULTS.md).
LIVE_LIP_LOOKAHEAD = LIVE_HOP
KEEP_SECONDS = 3600.0
FROM_VOICE = table()["emotion"][1].auto  # the emotion choice that means emotion=None
SPEECH_FROM_TEXT, SPEECH_FROM_AUDIO = "text", "audio"
NO_PORTRAIT = "No portrait: upload a photo, take one with the webcam, or pick an example."
NO_CONSENT = ("Please tick “I have the right to animate this face” first: only animate "
              "faces you are allowed to.")
NO_AUDIO = ("No audio: upload or record speech, or choose “typed text” and type what the "
            "portrait should say.")
NO_TEXT = "No text to speak: type a sentence, or choose “audio” and upload or record speech."


class Workspace:
    """A private temporary folder with one fresh subfolder per request, so concurrent
    requests never overwrite each other's files; old subfolders are pruned on the way."""

    def __init__(self, prefix: str = "vasa-demo-") -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self._remove = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)

    def new(self) -> Path:
        """A new empty folder for one request's files."""
        cutoff = time.time() - KEEP_SECONDS
        for old in self.root.iterdir():
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.root))

    def cleanup(self) -> None:
        """Remove every file now (also done at exit)."""
        self._remove()


@contextmanager
def readable_errors(*uploads: str | None) -> Iterator[None]:
    """Turn the package's ValueErrors (bad input, with a message written for people) into
    `gr.Error`, which Gradio shows in the page instead of a generic failure; the package
    writes them for `error: ...` lines, hence the capital letter added here (not to a
    message that starts with a file name). `uploads`: the request's files, named in the
    message as the user knows them ("me.jpg"), not by their temporary paths."""
    try:
        yield
    except ValueError as err:
        names = {str(path): Path(path).name for path in uploads if path}
        raise gr.Error(readable_message(str(err), names), print_exception=False) from None


def readable_message(message: str, names: dict[str, str]) -> str:
    """A package error for the page: each temporary path in `names` replaced by the name
    the user knows the file by, and a capital letter unless it starts with a file name."""
    for path, name in names.items():
        message = message.replace(path, name)
    if not any(message.startswith(name) for name in names.values()):
        message = message[:1].upper() + message[1:]
    return message


def notes(told: list[str]) -> str:
    """The pipeline's notices (`pipeline.notices`) as sentences for a status line."""
    return "".join(f" Note: {readable_message(message, {})}." for message in told)


def pipeline_options(values: dict) -> dict:
    """The pipeline's keyword arguments from the control widgets' values, keyed as
    `ui._widgets` names them: an "auto" box ticked (or the auto choice, e.g. "from the
    voice") means None; a control without a widget keeps the table's default."""
    options = {}
    for name, (_, spec, kind) in table().items():
        keys = part_names(name)
        if not all(key in values for key in keys):
            continue
        auto_ticked = bool(values.get(f"{name}_auto"))
        auto_chosen = spec.auto is not None and values[keys[0]] in (None, "", spec.auto)
        if auto_ticked or auto_chosen:
            options[name] = None
            continue
        parts = tuple(kind(values[key]) for key in keys)
        options[name] = parts if spec.parts else parts[0]
    return options


def endpoint(method, controls: list[str]):
    """`method(portrait, audio, text, language, source, consent, controls: dict, ...)` as a
    Gradio function with one named parameter per control widget (`controls`), so the API
    (and `gradio_client`) takes them by name."""
    import inspect

    params = list(inspect.signature(method).parameters.values())
    head, tail = params[:6], params[7:]  # params[6] is the controls dict
    count = len(controls)

    def split(args: tuple) -> tuple:
        return (*args[:6], dict(zip(controls, args[6:6 + count])), *args[6 + count:])

    if inspect.isgeneratorfunction(method):
        def call(*args):
            yield from method(*split(args))
    else:
        def call(*args):
            return method(*split(args))
    named = [inspect.Parameter(c, inspect.Parameter.POSITIONAL_OR_KEYWORD) for c in controls]
    call.__signature__ = inspect.Signature([*head, *named, *tail])
    call.__name__ = method.__name__
    return call


def check_request(portrait: str | None, consent: bool) -> None:
    """Refuse before any work: consent first (it is the reason to stop), then the portrait."""
    if not consent:
        raise ValueError(NO_CONSENT)
    if not portrait:
        raise ValueError(NO_PORTRAIT)


def speech_from_text(text: str | None, language: str, max_seconds: float) -> np.ndarray:
    """16 kHz float32 speech of `text`, spoken by the eSpeak NG voice of `language`."""
    text = (text or "").strip()
    if not text:
        raise ValueError(NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"The text is {len(text)} characters long; the app speaks at most "
                         f"{MAX_TEXT_CHARS}. Shorten it.")
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}; choose one from the list.")
    wave = synthesize(text, Voice(language=language), sample_rate=SAMPLE_RATE).wave
    return _check_length(wave, "The spoken text", max_seconds)


def speech_from_file(path: str | None, max_seconds: float) -> np.ndarray:
    """16 kHz float32 speech of an uploaded or recorded file. Only the first `max_seconds`
    (and 0.1 s) are decoded, so an hour-long upload is refused at once."""
    if not path:
        raise ValueError(NO_AUDIO)
    try:
        # a little more than the limit, so that longer audio shows (at any source rate)
        wave = load_audio(path, max_seconds=None, first_seconds=max_seconds + 0.1)
    except ValueError as err:  # name the file as the user knows it, not by its temp path
        raise ValueError(str(err).replace(str(path), Path(path).name)) from None
    return _check_length(wave, f"The audio {Path(path).name}", max_seconds)


def _check_length(wave: np.ndarray, name: str, max_seconds: float) -> np.ndarray:
    if len(wave) > max_seconds * SAMPLE_RATE:
        raise ValueError(f"{name} is longer than this app's limit of {max_seconds:g} s; "
                         "use a shorter clip (the `vasa generate` command takes longer ones).")
    return wave


def write_wav(path: Path, wave: np.ndarray) -> str:
    """16-bit PCM wav (playable everywhere, and Gradio needs no ffmpeg to serve it)."""
    pcm = np.round(np.clip(wave, -1.0, 1.0) * 32767).astype(np.int16)
    wavfile.write(path, SAMPLE_RATE, pcm)
    return str(path)


def frame_progress(progress, start: float = 0.15):
    """A `pipe.write` progress callback that moves the page's bar from `start` to 1 with
    the frames written, saying how many and, from the second report on, about how long
    the rest will take at the pace since the first."""
    first: list[tuple[float, int]] = []

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        first[:] = first or [(now, done)]
        (began, done0), text = first[0], f"Frame {done} of {total}"
        if done > done0:
            text += f", about {(now - began) / (done - done0) * (total - done):.0f} s left"
        progress(start + (1 - start) * done / max(total, 1), desc=text)
    return report


def _framing(portrait: str, options: dict) -> tuple:
    """What fixes a clip's frame size, the key of `Pace`."""
    return (portrait, *(options.get(name, getattr(DEFAULTS, name))
                        for name in ("size", "crop", "full_side", "margin")))


def audio_chunks(wave: np.ndarray) -> Iterator[np.ndarray]:
    """The speech in 20 ms pieces, as a live source would deliver it (not paced: the
    pipeline consumes them as fast as it can)."""
    for start in range(0, len(wave), CHUNK_SAMPLES):
        yield wave[start:start + CHUNK_SAMPLES]


class Demo:
    """The callbacks, bound to one pipeline that is loaded once and shared by all requests;
    `streams` serves the live clips (`live.LiveStreams.route`)."""

    def __init__(self, pipe: TalkingFacePipeline, max_seconds: float = MAX_SECONDS) -> None:
        self.pipe, self.max_seconds = pipe, max_seconds
        self.files = Workspace()
        self.kept = Workspace("vasa-examples-")  # for the app's lifetime: the example song
        self.streams = LiveStreams()
        self.pace = Pace()

    def speak(self, text: str, language: str) -> str:
        """Endpoint "speak": the typed text as a wav, to listen to before animating it."""
        with readable_errors():
            wave = speech_from_text(text, language, self.max_seconds)
        return write_wav(self.files.new() / "speech.wav", wave)

    def generate(self, portrait: str | None, audio: str | None, text: str, language: str,
                 source: str, consent: bool, controls: dict, progress=gr.Progress()
                 ) -> tuple[str, object, list[str], str]:
        """Endpoint "generate": (mp4 with sound, motion plot, [mp4, ARKit CSV], status).
        `controls`: the control widgets' values by name (`pipeline_options`)."""
        started = time.monotonic()
        options = pipeline_options(controls)
        with readable_errors(portrait, audio):
            check_request(portrait, consent)
            progress(0.0, desc="Reading the speech")
            wave = self._speech(audio, text, language, source)
            seconds, framing = len(wave) / SAMPLE_RATE, _framing(portrait, options)
            progress(0.1, desc=f"Animating {seconds:.1f} s of speech"
                     + about(self.pace.seconds(framing, seconds)))
            folder = self.files.new()
            began = time.monotonic()
            with notices() as told:
                written = self.pipe.write(portrait, (wave, SAMPLE_RATE),
                                          folder / "talking-face.mp4",
                                          progress=frame_progress(progress), **options)
            self.pace.made(framing, len(written.motion), time.monotonic() - began)
        video = str(written.path)
        table = str(motion_to_csv(written.motion, folder / "motion-arkit.csv"))
        count, (height, width) = len(written.motion), written.frame_size
        status = (f"Rendered {count} frames ({count / written.fps:.2f} s at "
                  f"{written.fps:g} fps, {width}×{height}) in "
                  f"{time.monotonic() - started:.1f} s."
                  + notes(told))
        return video, motion_figure(written.motion), [video, table], status

    def preview(self, portrait: str | None, size, crop, full_side, margin, mark,
                distance=DEFAULTS.distance, distance_auto=False
                ) -> tuple[np.ndarray | None, str]:
        """Event "preview", as soon as a portrait is picked: its first frame as it will be
        animated (its own pose, in the chosen crop, size and camera distance), or why it
        cannot be (not an image, no face), with the pipeline's notices (a head at the
        photo's edge, a scaled-down full image, a camera the photo stops)."""
        if not portrait:
            return None, ""
        options = pipeline_options({"size": size, "crop": crop, "full_side": full_side,
                                    "margin": margin, "mark": mark, "distance": distance,
                                    "distance_auto": distance_auto})
        try:
            with notices() as told:
                latent = self.pipe.analyze(portrait, options["size"], options["crop"],
                                           options["full_side"], options["margin"],
                                           options["distance"])  # render's very renderer
                frame = self.pipe.render(portrait, latent.motion0(), **options)[0]
                began = time.monotonic()  # again, timed without the first call's set-up
                self.pipe.render(portrait, latent.motion0(), **options)
                render_seconds = time.monotonic() - began
        except ValueError as err:
            return None, "⚠ " + readable_message(str(err), {portrait: Path(portrait).name})
        framing = _framing(portrait, options)
        self.pace.previewed(framing, render_seconds)
        height, width = frame.shape[:2]
        return frame, (f"The face and the crop that will be animated ({width}×{height})."
                       + about(self.pace.seconds(framing, 10.0),
                               " 10 s of speech take about {} to make here.")
                       + notes(told))

    def live(self, portrait: str | None, audio: str | None, text: str, language: str,
             source: str, consent: bool, controls: dict) -> Iterator[tuple[str, str]]:
        """Endpoint "live": yields (URL of the growing mp4, status) as soon as the speech is
        ready, while `pipe.stream` starts on it (fed in 20 ms chunks, LIVE_HOP frames per
        window, the lips read LIVE_LIP_LOOKAHEAD frames ahead unless set), then the final
        status once every frame is drawn (holding the queue's one pipeline slot until
        then). `steps` is not passed:
        streaming samples with the pipeline's own STREAM_STEPS, the most that keeps pace
        with real time."""
        started = time.monotonic()
        options = pipeline_options(controls)
        del options["steps"]
        if options.get("lip_lookahead") is None:
            options["lip_lookahead"] = LIVE_LIP_LOOKAHEAD
        with readable_errors(portrait, audio):
            check_request(portrait, consent)
            wave = self._speech(audio, text, language, source)
        stream = self.streams.start(lambda: self.pipe.stream(
            portrait, audio_chunks(wave), hop=LIVE_HOP, lead=LIVE_HOP, **options), wave)
        yield stream.url, f"Streaming {len(wave) / SAMPLE_RATE:.1f} s of speech…"
        stream.wait()
        if stream.error is not None:
            with readable_errors(portrait, audio):
                raise stream.error
        took = stream.created + stream.first_frame_s - started if stream.frames else 0.0
        yield gr.skip(), (f"Streamed {stream.frames} frames ({stream.frames / FPS:.2f} s) "
                          f"in {stream.drawing_s:.2f} s; the first was drawn {took:.2f} s "
                          "after the request."
                          + notes(stream.notes))

    def _speech(self, audio: str | None, text: str, language: str, source: str
                ) -> np.ndarray:
        """16 kHz speech from the chosen source: the audio widget or the typed text."""
        if source == SPEECH_FROM_AUDIO:
            return speech_from_file(audio, self.max_seconds)
        return speech_from_text(text, language, self.max_seconds)
