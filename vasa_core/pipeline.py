"""The one public API: a portrait and a voice in, a talking-face video out.

    pipe = TalkingFacePipeline.from_pretrained()          # checkpoints/vasa-motion-s
    out = pipe("me.jpg", "speech.wav", emotion="happy")  # TalkingFaceOutput
    out.save("talk.mp4")                                  # H.264 + AAC, marked AI-generated

Every call takes the generation controls of `settings.Settings` as keyword arguments (the
one table the CLI, batch manifests and the web app are generated from).

Data flow (docs/design.md): audio -> 16 kHz mono (`audio.load_audio`) -> 25 fps features
(`audio.features`) -> motion in the model's frame (`motion.sample_motion`: sliding windows,
the first conditioned on the portrait's rest state; jaw and lips inpainted, by
`lip_reading`, from what a real-speech recogniser hears, `motion.lips.LipReader`) -> blinks
(`motion.blinks`) -> the portrait's motion (`animate.retarget.Retarget`) -> frames
(`render.Renderer`) -> `provenance.stamp` (the visible "AI-generated" label unless
mark=False; the invisible watermark, found by `vasa detect`, always; the mp4 metadata tag
is written by `io.media.write_video`).

One clip has T = ceil(seconds * 25) frames; the audio is returned as loaded (16 kHz), so
the video is at most one frame (40 ms) longer than its sound.

Streaming (`stream`): audio chunks go through `audio.StreamingFeatures` and
`motion.stream_motion`, which runs windows of `hop` frames as soon as they are complete.
Latency, from a sample's arrival to its frame: up to `hop` frames of buffering (hop / 25 s),
the lip reader's look-ahead (`lip_lookahead` frames of 40 ms; none with lip_reading=0),
the features' look-ahead (`audio.LOOKAHEAD_SAMPLES`), and the compute of one window
(`steps` network calls, STREAM_STEPS by default) and of rendering one frame; frames are
yielded one by one (measured by benchmarks/streaming.py). One-off costs of the first
window (kernel set-up for its shape) are paid before the first chunk is read
(`_warm_up`). Shorter hops cost more compute per second of audio: every window re-reads
its K history frames. The motion equals `sample_motion(..., window=hop)`: with hop = the
model's window W, the same steps and lip_words=False, `stream` yields exactly the frames
`__call__` returns; shorter hops cut windows elsewhere, so the motion (not its
statistics) differs from the offline clip's. A stream's lip reader hears phones only:
words are final only once their utterance is over, and the IPA reader hears whole clips
(both `lip_words`).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .grid import FPS, SAMPLE_RATE, SAMPLES_PER_FRAME
from .latent import FaceLatent, Motion
from .notices import (ContinuedEdgeWarning, FilledBeyondWarning, Notice,  # noqa: F401
                      ScaledPhotoWarning, notices, warn_continued, warn_filled, warn_scaled)
from .settings import (DEFAULTS, STREAM_LIP_LOOKAHEAD, STREAM_STEPS, Settings, describe,
                       signature)

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "vasa-motion-s"
STREAM_HOP = 2  # frames per streamed window, if the model was trained on windows this short
STREAM_LEAD = 1  # frames of a stream's first window: its first picture waits for one frame
# of audio, not a hop's (motion.windows, `lead`)
TRAIN_HINT = ("train one with `vasa corpus build --hours 1 --out data/corpus` then "
              "`vasa train --corpus data/corpus --out checkpoints/vasa-motion-s` (see "
              "`vasa train --help`), or pass the directory of a trained checkpoint")


@dataclass
class TalkingFaceOutput:
    """frames (T, H, W, 3) uint8 at `fps`; audio (N,) float32 at `sample_rate`; the
    portrait's `motion` (T, D) that was rendered."""

    frames: np.ndarray
    fps: float
    audio: np.ndarray
    motion: Motion
    sample_rate: int = SAMPLE_RATE

    def save(self, path: str | Path) -> Path:
        """Write an H.264 mp4 with the AAC sound and the AI-generated metadata tag; returns
        the path (folders are created).

            pipe("me.jpg", "speech.wav").save("outputs/talk.mp4")
        """
        from .io.media import write_video

        return write_video(path, self.frames, self.fps, audio=self.audio,
                           sample_rate=self.sample_rate)


@dataclass
class WrittenVideo:
    """What `TalkingFacePipeline.write` put in its mp4: the `path`, the portrait's `motion`
    (T, D) rendered, and the frames' (height, width) at `fps`."""

    path: Path
    motion: Motion
    frame_size: tuple[int, int]
    fps: float = FPS


@dataclass
class _Face:
    """A portrait ready to animate: its latent and a renderer at one size and crop."""

    latent: object  # FaceLatent
    renderer: object  # Renderer
    photo: tuple[int, int]  # (height, width) of the photo as loaded, px


class TalkingFacePipeline:
    """Portrait + speech -> talking-face frames, with a motion generator `model` (MotionDiT).

        pipe = TalkingFacePipeline.from_pretrained()      # or .from_pretrained(device="cuda")
        out = pipe("me.jpg", "speech.wav")                # TalkingFaceOutput
        out.save("talk.mp4")

    Portraits: a path, encoded image bytes (an upload), a PIL image or an (H, W, 3) uint8
    array. Speech: a path, encoded audio-file bytes (wav, mp3, ...) or (array, sample_rate).
    The face analyzer and renderer run on the CPU; `.to(device)` moves the motion model.
    """

    def __init__(self, model) -> None:
        self.model = model.eval()
        self._face_cache: dict[tuple, _Face] = {}

    @classmethod
    def from_pretrained(cls, path: str | Path | None = None,
                        device: str = "cpu") -> "TalkingFacePipeline":
        """Load the motion checkpoint in `path` (default: the repo's checkpoints/vasa-motion-s)
        onto `device` ("cpu", "cuda", "cuda:1", ...).

            pipe = TalkingFacePipeline.from_pretrained("checkpoints/my-model", device="cuda")
        """
        from .motion import load_pretrained
        from .motion.checkpoint import WEIGHTS_NAME

        directory = Path(path) if path is not None else DEFAULT_CHECKPOINT
        if not (directory / WEIGHTS_NAME).is_file() or not (directory / "config.json").is_file():
            raise ValueError(f"no motion checkpoint (config.json + {WEIGHTS_NAME}) in "
                             f"{directory}; {TRAIN_HINT}")
        return cls(load_pretrained(directory, device))

    @property
    def device(self):
        """The torch device the motion model is on."""
        return self.model.motion_mean.device

    def to(self, device) -> "TalkingFacePipeline":
        """Move the motion model to `device` ("cpu", "cuda", a torch.device); returns self.

            pipe = TalkingFacePipeline.from_pretrained().to("cuda")
        """
        self.model.to(device)
        return self

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write the motion checkpoint (config.json + model.safetensors) to `directory`."""
        from .motion import save_pretrained

        return save_pretrained(self.model, directory)

    def __call__(self, image, audio, **options) -> TalkingFaceOutput:
        """Animate `image` (path, encoded image bytes, (H, W, 3) uint8 array or PIL image)
        speaking `audio` (path, encoded audio-file bytes or (array, sample_rate));
        T = ceil(seconds * 25) frames.

            out = pipe("me.jpg", "speech.wav", emotion="happy", gaze=(0, -5), seed=1)
            out = pipe(upload_bytes, (samples, 44100), size=256, crop="full")
            out.frames.shape                                # (T, 256, W, 3) uint8

        `options` are the generation controls (`settings.Settings`, listed below); bad input
        raises ValueError, an unknown option TypeError.
        """
        settings, wave, face, _, windows = self._prepare(image, audio, options)
        motion = _joined(windows)
        frames = np.concatenate(list(_render(face, [motion], settings.mark)))
        return TalkingFaceOutput(frames, FPS, wave, motion)

    def write(self, image, audio, path: str | Path, *,
              progress: Callable[[int, int], None] | None = None, **options) -> WrittenVideo:
        """Animate as `__call__` does and stream the frames into an mp4 at `path` (H.264 +
        AAC, marked AI-generated; folders are created) as they are drawn, so memory holds
        one batch of frames whatever the clip's length. `progress(done, total)` is called
        with the frames written so far. `options`: `__call__`'s.

            pipe.write("me.jpg", "lecture.wav", "outputs/lecture.mp4", size=256).path
        """
        from .io.media import write_video
        from .io.prefetch import prefetch

        settings, wave, face, total, windows = self._prepare(image, audio, options)
        sampled: list[Motion] = []
        # three stages at once: a window is sampled while the last is drawn while the
        # batch before is encoded
        motions = prefetch(_kept(windows, sampled), depth=1)
        batches = prefetch(_render(face, motions, settings.mark))
        if progress is not None:
            batches = _counted(batches, total, progress)
        path = write_video(path, batches, FPS, audio=wave)
        return WrittenVideo(Path(path), _joined(sampled), face.renderer.frame_size)

    def _prepare(self, image, audio, options: dict):
        """(settings, 16 kHz wave, _Face, frames T, the retargeted motion window by window
        as it is sampled: `_windows`) for `__call__` and `write`."""
        from .audio import load_audio

        settings = Settings.of(options)
        wave = load_audio(audio)
        readings = _readings_ahead(settings, wave)  # heard while the face is analysed
        try:
            face = self._face(image, settings.size, settings.crop, settings.full_side,
                              settings.margin, settings.distance)
        except BaseException:  # no face, a bad image: nobody will ask for the readings
            for reading in readings or ():
                reading.cancel()
            raise
        return (settings, wave, face,
                *self._windows(wave, face.latent, settings, readings))

    def motion(self, audio, *, image=None, **options) -> Motion:
        """The motion alone (T, D) at 25 fps, for 3-D avatars (`arkit.motion_to_csv`).

        With `image`, retargeted onto that portrait, as `__call__` renders it; without, in
        the model's own frame (the training data's mean pose, gaze and expressions as the
        rest state). `options` are `__call__`'s keyword arguments (size, crop, mark unused).

            motion = pipe.motion("speech.wav", emotion="sad")
            arkit.motion_to_csv(motion, "motion.csv")
        """
        from .audio import load_audio

        settings = Settings.of(options)
        wave = load_audio(audio)
        if image is None:
            return self._generate(wave, None, settings)
        face = self._face(image, settings.size, settings.crop, settings.full_side,
                          settings.margin, settings.distance)
        return self._generate(wave, face.latent, settings)

    def analyze(self, image, size: int = 512, crop: str = "face",
                full_side: int = DEFAULTS.full_side, margin: float = DEFAULTS.margin,
                distance: float | None = 0.0):
        """The portrait's `FaceLatent` (its pose, expression, gaze at rest: `.motion0()`),
        as the pipeline sees it; analysed once and cached with its renderer.

            pipe.analyze("me.jpg").motion0()["yaw"]         # the portrait's head yaw, degrees
        """
        return self._face(image, size, crop, full_side, margin, distance).latent

    def render(self, image, motion: Motion, *, size: int = 512, crop: str = "face",
               full_side: int = DEFAULTS.full_side, margin: float = DEFAULTS.margin,
               distance: float | None = 0.0, mark: bool = True) -> np.ndarray:
        """Frames (T, H, W, 3) uint8 of `image` at exactly `motion`: absolute values in the
        portrait's own frame (`analyze(image).motion0()` reproduces the portrait), seen
        by a camera moved by the camera's part of `distance` (`render.camera`; the head's
        own part is the motion's log_scale).

            motion = pipe.motion("speech.wav", image="me.jpg").set("gaze_yaw", 10.0)
            frames = pipe.render("me.jpg", motion, size=256)
        """
        face = self._face(image, size, crop, full_side, margin, distance)
        return np.concatenate(list(_render(face, [motion], mark)))

    def drive(self, image, motion: Motion, *, head_motion: float = 1.0, size: int = 512,
              crop: str = "face", mark: bool = True) -> np.ndarray:
        """Frames (T, H, W, 3) uint8 of `image` driven by a motion from elsewhere: a real
        video's analysis (`face.analyze_video`), an ARKit CSV (`arkit.motion_from_csv`).

        The motion's own per-dimension median stands for its rest state (`retarget`, with
        that as the reference): the portrait keeps its pose, expression and gaze and takes
        on the motion's deviations, and its articulation (jaw, lips) as it is (the jaw laid
        onto where this face's lips meet: `retarget`).

            frames = pipe.drive("me.jpg", face.analyze_video("actor.mp4"))
        """
        from .animate.retarget import Retarget
        from .render.geometry import lips_meet

        latent = self.analyze(image, size, crop)
        rest = np.median(motion.values, axis=0)
        retarget = Retarget(latent.motion0().values[0], rest, head_motion=head_motion,
                            lips_meet=lips_meet(latent))
        return self.render(image, retarget(motion.values, motion.fps), size=size, crop=crop,
                           mark=mark)

    def _generate(self, wave: np.ndarray, latent: FaceLatent | None,
                  settings: Settings) -> Motion:
        """Sample motion for a 16 kHz wave (N,) and retarget it onto the portrait `latent`
        (None: the model's rest state, i.e. no retargeting but the head_motion scale)."""
        return _joined(self._windows(wave, latent, settings)[1])

    def _windows(self, wave: np.ndarray, latent: FaceLatent | None, settings: Settings,
                 readings=None) -> tuple[int, Iterator[Motion]]:
        """(frames T, `_generate`'s motion window by window, lazily): the sampler's windows
        as they come (`stream_motion` at hop = W equals `sample_motion`: motion.windows),
        each blinked and retargeted (both per frame and causal), so drawing can begin with
        the first. `readings`: the lip reader's whole-clip readings already being heard
        (`_readings_ahead`)."""
        from .audio import features
        from .motion import stream_motion
        from .motion.blinks import BlinkProcess
        from .motion.conditions import Controls, guidance_scales

        retarget = self._retarget(latent, settings)
        readings = readings or _readings_ahead(settings, wave)  # heard beside the features
        feats = features(wave)
        blinks = BlinkProcess(settings.blink_rate, settings.seed)
        windows = stream_motion(self.model, [feats], Controls.of(settings),
                                hop=self.model.config.window, steps=settings.steps,
                                cfg_scales=guidance_scales(settings), seed=settings.seed,
                                init_motion=retarget.reference[None],
                                lips=_lip_reader(settings, wave, readings),
                                lip_strength=settings.lip_reading)
        return len(feats), _retargeted(windows, [feats], blinks, retarget)

    def stream(self, image, audio_chunks: Iterable[np.ndarray], *, hop: int | None = None,
               lead: int = STREAM_LEAD, **options) -> Iterator[np.ndarray]:
        """Yield (1, H, W, 3) uint8 frames as 16 kHz mono float chunks (n_i,) arrive.

        `options` are `__call__`'s keyword arguments (steps defaults to STREAM_STEPS here;
        lip_words does not apply: a stream's lips come from phones alone).
        Motion is sampled `hop` frames at a time (default STREAM_HOP, or the model's
        shortest trained window if longer), the first window `lead` frames (default
        STREAM_LEAD; 1 to `hop`), and each frame is yielded as soon as it is
        rendered; see the module docstring for latency and for how the output relates to
        `__call__`'s. Arguments are checked, and the sampler and renderer warmed up, before
        the first chunk is read.

            for frames in pipe.stream("me.jpg", microphone_chunks(), size=256):
                show(frames[0])                             # (256, 256, 3) uint8
        """
        from .motion import stream_motion
        from .motion.blinks import BlinkProcess
        from .motion.conditions import Controls, guidance_scales

        hop = max(STREAM_HOP, self.model.config.min_window) if hop is None else hop
        settings = Settings.of({"steps": STREAM_STEPS, **options})
        blinks = BlinkProcess(settings.blink_rate, settings.seed)
        face = self._face(image, settings.size, settings.crop, settings.full_side,
                          settings.margin, settings.distance)
        retarget = self._retarget(face.latent, settings)
        motion = functools.partial(
            stream_motion, self.model, controls=Controls.of(settings), hop=hop,
            steps=settings.steps, cfg_scales=guidance_scales(settings), seed=settings.seed,
            init_motion=retarget.reference[None], lip_strength=settings.lip_reading,
            lead=lead)
        _warm_up(face, motion, hop, settings)
        heard: list[np.ndarray] = []  # feature chunks the motion has not yet caught up with
        lips = _lip_reader(settings)
        windows = motion(_kept(_stream_features(_feed(audio_chunks, lips)), heard), lips=lips)
        return _render(face, _retargeted(windows, heard, blinks, retarget), settings.mark,
                       batch=1)

    def _retarget(self, latent: FaceLatent | None, settings: Settings):
        """The `retarget.Retarget` of one call onto the portrait `latent`. None: onto the
        model's mean, which makes the mapping the identity at head_motion = 1 (pose
        deviations still scale)."""
        from .animate.retarget import Retarget
        from .motion.conditions import Controls
        from .render.camera import camera_log_zoom
        from .render.geometry import lips_meet

        controls = Controls.of(settings)
        mean = self.model.motion_mean.detach().cpu().numpy()
        own, camera, meet = ((mean, 0.0, 0.0) if latent is None else
                             (latent.motion0().values[0], camera_log_zoom(controls.distance),
                              lips_meet(latent)))
        return Retarget(own, mean, controls.gaze, controls.distance,
                        controls.emotion is not None, settings.head_motion, camera, meet)

    def _face(self, image, size: int, crop: str, full_side: int = DEFAULTS.full_side,
              margin: float = DEFAULTS.margin, distance: float | None = 0.0) -> _Face:
        """Analyse and set up a renderer for `image`, with a "full" crop first scaled to
        at most `full_side` px on its longer side (0: as it is), a "face" crop `margin`
        times the default room around the head, and the camera moved by `distance`
        (`render.camera`); the last portrait is cached."""
        from .face import analyze_image
        from .io.media import load_image
        from .render import Renderer
        from .render.camera import camera_zoom

        side = full_side if crop == "full" else 0
        # a file is known by its path and stamp, so a portrait picked once (the app's
        # upload, then preview and every request) is decoded and hashed once too
        known = _file_stamp(image)
        pixels = None if known else load_image(image)
        source = known or (hashlib.sha1(pixels.tobytes()).hexdigest(), pixels.shape)
        room, zoom = (margin if crop == "face" else 1.0), camera_zoom(distance)
        key = (source, size, crop, side, room, zoom)
        if key not in self._face_cache:  # scaled once per portrait, not per call
            known_face = next((face for (src, _, _, scaled, *_), face
                               in self._face_cache.items() if (src, scaled) == (source, side)),
                              None)
            if known_face:  # the same photo, reframed: analysed once
                latent, photo = known_face.latent, known_face.photo
            else:
                pixels = load_image(image) if pixels is None else pixels
                latent, photo = analyze_image(_capped(pixels, side)), pixels.shape[:2]
            renderer = Renderer(latent, size=size, crop=crop, margin=room, zoom=zoom)
            self._face_cache = {key: _Face(latent, renderer, photo)}
        face = self._face_cache[key]
        warn_scaled(face.photo, face.latent.size, side)
        warn_continued(face.renderer.continued)
        warn_filled(distance, face.renderer.filled)
        return face


def _file_stamp(image) -> tuple | None:
    """(path, modification time ns, bytes) of an image given as a file path, else None."""
    if not isinstance(image, (str, Path)):
        return None
    try:
        stat = Path(image).stat()
    except OSError:  # missing or unreadable: load_image says so
        return None
    return (str(Path(image).resolve()), stat.st_mtime_ns, stat.st_size)


def _capped(pixels: np.ndarray, full_side: int) -> np.ndarray:
    """`pixels` (H, W, 3) scaled (area-averaged) so that the longer side is at most
    `full_side` px (0: unchanged)."""
    import cv2

    h, w = pixels.shape[:2]
    if not full_side or max(h, w) <= full_side:
        return pixels
    scale = full_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _render(face: _Face, motions: Iterable[Motion], mark: bool,
            batch: int = 16) -> Iterator[np.ndarray]:
    """(B <= batch, H, W, 3) uint8 batches of consecutive `motions`, marked
    (`provenance.stamp`: the visible label if `mark`, the invisible watermark always)."""
    from .provenance.stamp import stamped

    return stamped((frames for motion in motions
                    for frames in face.renderer.render_iter(motion, batch)), mark)


def _retargeted(windows: Iterable[np.ndarray], heard: list[np.ndarray], blinks,
                retarget) -> Iterator[Motion]:
    """Generated windows (n_i, D), each blinked against its audio frames, taken from the
    front of the feature rows `heard` (`_take`), and retargeted (`_windows`, `stream`)."""
    for chunk in windows:
        yield retarget(blinks(chunk, _take(heard, len(chunk))), FPS)


def _kept(items: Iterable, into: list) -> Iterator:
    """`items` passed on, each also appended to `into` (motion windows, feature chunks)."""
    for item in items:
        into.append(item)
        yield item


def _joined(motions: Iterable[Motion]) -> Motion:
    """Consecutive motions as one."""
    return Motion(np.concatenate([motion.values for motion in motions]), FPS)


def _counted(batches: Iterator[np.ndarray], total: int,
             progress: Callable[[int, int], None]) -> Iterator[np.ndarray]:
    """`batches` passed on, `progress(frames so far, total)` called after each is used."""
    done = 0
    for batch in batches:
        yield batch
        done += len(batch)
        progress(done, total)


def _warm_up(face: _Face, motion: Callable[..., Iterator[np.ndarray]], hop: int,
             settings: Settings) -> None:
    """One window of silence through `motion` and one frame through the renderer, thrown
    away, before the first real chunk is read. The first call of a window shape pays
    one-off costs (oneDNN kernels for that shape, lazily built feature and watermark
    tables), which would otherwise land on the first frame (benchmarks/streaming.py). The
    real stream's noise, blinks and windows are untouched (they are seeded per window)."""
    silence = np.zeros(int(SAMPLE_RATE * (hop + 1) / FPS), np.float32)
    for _ in motion(_stream_features([silence]), lips=_lip_reader(settings, silence)):
        pass
    for _ in _render(face, [face.latent.motion0()], settings.mark, batch=1):
        pass


def _lip_reader(settings: Settings, wave: np.ndarray | None = None, readings=None):
    """A `lips.LipReader` holding `wave` (16 kHz, (N,)), with the whole-clip `readings`
    (`_readings_ahead`'s words and IPA phones, being heard) if given, or None when lip
    reading is off."""
    if settings.lip_reading == 0:
        return None
    from .motion.lips import LipReader

    lookahead = settings.lip_lookahead
    if lookahead is None:  # offline the whole clip is there to hear; a stream waits for it
        lookahead = STREAM_LIP_LOOKAHEAD if wave is None else len(wave) // SAMPLES_PER_FRAME + 1
    words, ipa = (None, None) if readings is None else (r.result() for r in readings)
    reader = LipReader(int(lookahead), words, ipa)
    if wave is not None:
        reader.push(wave)
    return reader


def _readings_ahead(settings: Settings, wave: np.ndarray):
    """The whole-clip readings of a 16 kHz wave, being heard from now on beside the face
    analysis: the words (`audio.words.WordsAhead`, a worker process) and the IPA phones
    (`audio.ipa.IpaAhead`, a thread), or None when not wanted."""
    if settings.lip_reading == 0 or not settings.lip_words:
        return None
    from .audio.ipa import IpaAhead
    from .audio.words import WordsAhead

    return WordsAhead(wave), IpaAhead(wave)


def _feed(chunks: Iterable[np.ndarray], lips) -> Iterator[np.ndarray]:
    """16 kHz audio chunks as float32, each pushed into the `LipReader` `lips` first."""
    for chunk in chunks:
        chunk = np.asarray(chunk, np.float32)
        if lips is not None:
            lips.push(chunk)
        yield chunk


def _take(heard: list[np.ndarray], n: int) -> np.ndarray:
    """The first n feature rows of `heard` (n, F), removed from it (views of one array:
    no copy, whatever the clip's length)."""
    rows = heard[0] if len(heard) == 1 else np.concatenate(heard)
    heard[:] = [rows[n:]]
    return rows[:n]


def _stream_features(chunks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """(k, F) feature chunks of 16 kHz audio chunks, then the frames owed at the end."""
    from .audio import StreamingFeatures

    stream = StreamingFeatures()
    for chunk in chunks:
        yield stream.push(np.asarray(chunk, np.float32))
    yield stream.flush()


def _document_controls() -> None:
    """Give `__call__`, `write`, `motion` and `stream` the controls table as signature and docs, so
    `help(pipe)` and editors list every control with its default."""
    import inspect

    def arg(name: str) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)

    listed = "\n        Controls (`settings.Settings`):\n" + describe().replace("    ", " " * 8)
    cls = TalkingFacePipeline
    cls.__call__.__signature__ = signature(arg("self"), arg("image"), arg("audio"))
    cls.__call__.__doc__ += listed
    cls.motion.__doc__ += listed
    progress = inspect.Parameter("progress", inspect.Parameter.KEYWORD_ONLY, default=None)
    cls.write.__signature__ = signature(arg("self"), arg("image"), arg("audio"), arg("path"),
                                        progress)
    cls.write.__doc__ += listed


_document_controls()
