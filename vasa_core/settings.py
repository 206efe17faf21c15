"""The generation controls, declared once: the table that the API, the CLI, batch manifests
and the web app are generated from.

Each field of `Settings` is one control, with its type, default, allowed range and help
text in a `Control` (the field's metadata). Everything else reads this table:

    TalkingFacePipeline.__call__ / stream / motion   keyword arguments, checked by Settings
    cli/options.py     one flag per control (`--lip-lookahead N`, `--gaze YAW PITCH`, ...)
    cli/batch.py       one manifest column per control (`gaze` as gaze_yaw, gaze_pitch)
    demo/ui.py         one widget per control; `demo.handlers.pipeline_options` maps them back

Adding a control is one field here plus its use in the pipeline. The table imports
nothing heavy (no torch, no MediaPipe), so the CLI's --help and the app's page are cheap.
"""
from __future__ import annotations

import functools
import inspect
import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

# The eight classes of AffectNet (Mollahosseini et al. 2017): Ekman's six basic emotions
# plus neutral and contempt; the motion model's emotion condition has one slot each.
EMOTIONS: tuple[str, ...] = (
    "neutral", "happy", "sad", "surprised", "fearful", "disgusted", "angry", "contempt",
)
MAX_BLINK_RATE = 60.0  # blinks per minute (a blink is ~0.3 s; faster reads as a tic)
MAX_LIP_LOOKAHEAD = 25  # frames (1 s)
# A stream's default look-ahead (2 frames, 80 ms): the most that keeps its first frame
# within 170 ms on 2 cores, with a one-frame first window (benchmarks/RESULTS.md,
# "Streaming: a one-frame first window"); offline the reader hears the whole clip, since a
# file has no latency to save (docs/experiments.md, "Lip look-ahead offline").
STREAM_LIP_LOOKAHEAD = 2
STREAM_STEPS = 4  # `stream`'s default steps: the most that keeps a 2-frame window within
# real time on a 2-core CPU (benchmarks/streaming.py)


@dataclass(frozen=True)
class Control:
    """How one control is presented and checked.

    help: one sentence for --help, docstrings and the app's hint. low / high: inclusive
    bounds checked by `Settings` (None: unbounded; floats must also be finite). choices:
    the allowed values. auto: what None means, for controls whose default is None (the app
    shows it as a checkbox). parts: names of a tuple's elements (gaze: yaw, pitch), each a
    manifest column and a slider. ui: (low, high, step) of the app's slider per part, when
    the useful range is narrower than the allowed one; ui_choices: the values the app
    offers as buttons instead. label: the app's label per part.
    advanced: folded away in the app. stream: False if `stream` ignores it.
    """

    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    auto: str | None = None
    parts: tuple[str, ...] = ()
    ui: tuple[tuple[float, float, float], ...] = ()
    ui_choices: tuple = ()
    label: tuple[str, ...] = ()
    metavar: str | None = None
    advanced: bool = False
    stream: bool = True


def control(default: Any, **spec: Any) -> Any:
    """A `Settings` field: its default and its `Control`."""
    return field(default=default, metadata={"control": Control(**spec)})


@dataclass(frozen=True)
class Settings:
    """Every generation control, checked on construction (ValueError, naming the control)."""

    gaze: tuple[float, float] | None = control(
        None, help="main gaze in degrees, the eyes' angles in the head; > 0 towards the "
                   "image's right / up", auto="the portrait's own gaze", parts=("yaw", "pitch"),
        ui=((-30, 30, 1), (-20, 20, 1)), metavar="DEG",
        label=("Gaze yaw (°, + = image's right)", "Gaze pitch (°, + = up)"))
    distance: float | None = control(
        0.0, help="camera distance as a log-scale offset from the photo's: 0 keeps its "
                  "framing, +0.1 comes about 10% nearer (head and shoulders, the head a "
                  "little more); further back than the photo shows, its edges are continued "
                  "(you are told)",
        auto="the model chooses the distance",
        ui=((-0.3, 0.3, 0.01),), label=("Camera distance (log scale, + = nearer)",),
        metavar="D")
    emotion: str | None = control(
        None, help="the emotion to show", choices=EMOTIONS, auto="from the voice",
        label=("Emotion",), metavar="NAME")
    emotion_strength: float = control(
        1.0, help="scale of the emotion", ui=((0, 2, 0.05),), label=("Emotion strength",),
        metavar="S")
    head_motion: float = control(
        1.0, help="scale of the generated head movement; 0 keeps the portrait's pose (it "
                  "still blinks)", low=0.0, ui=((0, 2, 0.05),), label=("Head motion",),
        metavar="S")
    blink_rate: float = control(
        15.0, help="blinks per minute, the model's own included; 0 adds none", low=0.0,
        high=MAX_BLINK_RATE, ui=((0, MAX_BLINK_RATE, 1),), label=("Blinks per minute",),
        metavar="N")
    lip_reading: float = control(
        1.0, help="how far jaw and lips follow the phones a speech recogniser hears; 0 "
                  "leaves them to the motion model", low=0.0, high=1.0,
        ui=((0, 1, 0.05),), label=("Lip reading",), metavar="S")
    lip_words: bool = control(
        True, help="the lip reader also hears the whole clip at once: English words and a "
                   "second phone recogniser (offline; a stream hears phones only)",
        label=("Lip reader hears the whole clip",), stream=False)
    lip_lookahead: int | None = control(
        None, help="frames of audio the lip reader hears past each window; streamed, each "
                   "adds 40 ms of latency and brings the lips closer to their sound",
        auto=f"the whole clip offline, {STREAM_LIP_LOOKAHEAD} frames streamed", low=0,
        high=MAX_LIP_LOOKAHEAD, ui=((0, 8, 1),), label=("Lip look-ahead (frames)",),
        metavar="N", advanced=True)
    cfg_audio: float = control(
        0.0, help="guidance scale of the audio on jaw and lips (0: the lips as read)",
        ui=((0, 3, 0.05),), label=("Audio guidance",), metavar="S", advanced=True)
    cfg_control: float = control(
        0.5, help="guidance scale of gaze, distance and emotion", ui=((0, 3, 0.05),),
        label=("Control guidance (gaze, distance, emotion)",), metavar="S", advanced=True)
    steps: int = control(
        8, help=f"sampler steps (a stream defaults to {STREAM_STEPS})", low=1,
        ui=((1, 32, 1),), label=("Sampling steps",), metavar="N", advanced=True)
    seed: int = control(0, help="noise seed", low=0, label=("Seed",), metavar="N", advanced=True)
    size: int = control(
        512, help="output side in pixels for the face crop", low=1,
        ui_choices=(256, 384, 512), label=("Size (px, face crop)",), metavar="PX")
    crop: str = control(
        "face", help="'face': a square crop around the head; 'full': the whole portrait",
        choices=("face", "full"), label=("Crop",))
    margin: float = control(
        1.0, help="with crop 'face', the room around the head: 1 shows the hair and a little "
                  "of the shoulders, less crops tighter, more shows more of the photo (as "
                  "far as it goes)", low=0.6, high=2.0, ui=((0.6, 1.6, 0.05),),
        label=("Margin around the face",), metavar="X")
    full_side: int = control(
        1080, help="with crop 'full', the output's longer side in pixels at most: a larger "
                   "photo is scaled down first (and renders faster); 0 keeps its own size",
        low=0, ui_choices=(720, 1080, 2160), label=("Full image: longer side at most (px)",),
        metavar="PX")
    mark: bool = control(
        True, help="the visible 'AI-generated' label (the invisible watermark and the "
                   "metadata tag are always there)", label=("Visible “AI-generated” mark",))

    def __post_init__(self) -> None:
        for item in fields(self):
            check(item.name, getattr(self, item.name))

    @classmethod
    def of(cls, options: dict[str, Any]) -> "Settings":
        """Settings from keyword arguments; TypeError naming every unknown one."""
        unknown = sorted(set(options) - set(table()))
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(unknown)}; the controls are: "
                            f"{', '.join(table())}")
        return cls(**options)


@functools.cache
def table() -> dict[str, tuple[Any, Control, type]]:
    """{name: (default, Control, scalar type)} in declaration order."""
    out = {}
    for item in fields(Settings):
        default = item.default if item.default is not MISSING else None
        out[item.name] = (default, item.metadata["control"], scalar_type(item.type))
    return out


def part_names(name: str) -> list[str]:
    """The names of a control's values as a manifest row or the app holds them: one per
    part of a tuple control (gaze -> gaze_yaw, gaze_pitch), else the control's own."""
    return [f"{name}_{part}" for part in table()[name][1].parts] or [name]


def scalar_type(annotation: Any) -> type:
    """The type of one value (of each part) of a field: bool, int, float or str."""
    text = str(annotation)
    for kind in (bool, int, float, str):
        if kind.__name__ in text:
            return kind
    raise TypeError(f"no scalar type in {annotation}")


def check(name: str, value: Any) -> None:
    """ValueError, naming the control and its allowed values, unless `value` fits `name`."""
    default, spec, kind = table()[name]
    if value is None and (default is None or spec.auto is not None):
        return  # None means the control's `auto`
    values = _parts(value) if spec.parts else (value,)
    if values is None or len(values) != len(spec.parts or (value,)):
        raise ValueError(f"{name} must be {len(spec.parts)} numbers "
                         f"({', '.join(spec.parts)}), got {value!r}")
    for one in values:
        _check_one(name, one, spec, kind)


def _parts(value: Any) -> tuple | None:
    """The elements of a tuple-valued control (a tuple, list or 1-D array), or None."""
    if isinstance(value, (str, bytes)) or getattr(value, "ndim", 1) != 1:
        return None
    try:
        return tuple(value)
    except TypeError:
        return None


def _check_one(name: str, value: Any, spec: Control, kind: type) -> None:
    if kind is bool:
        if not isinstance(value, (bool, int)) or value not in (0, 1):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return
    if kind is str or spec.choices is not None:
        if value not in spec.choices:
            raise ValueError(f"unknown {name} {value!r}; choose from {spec.choices}")
        return
    if isinstance(value, bool) or not _is_number(value, kind):
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value}")
    low, high = spec.low, spec.high
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (f"in [{low:g}, {high:g}]" if low is not None and high is not None
                  else f">= {low:g}" if low is not None else f"<= {high:g}")
        raise ValueError(f"{name} must be {bounds}, got {value}")


def _is_number(value: Any, kind: type) -> bool:
    """Whether `value` is a number of `kind` (int: integral types only; float: any real)."""
    import numbers

    if kind is int:
        return isinstance(value, numbers.Integral)
    return isinstance(value, numbers.Real)


def signature(*leading: inspect.Parameter) -> inspect.Signature:
    """`leading` parameters, then every control as a keyword-only one with its default:
    what `help(pipe)` shows for the methods that take `**options`."""
    controls = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                for name, (default, _, _) in table().items()]
    return inspect.Signature([*leading, *controls])


def describe() -> str:
    """One line per control, for docstrings: name (default): help."""
    return "\n".join(f"    {name} (default {default!r}): {spec.help}."
                     for name, (default, spec, _) in table().items())


DEFAULTS = Settings()
DEFAULT_STEPS: int = DEFAULTS.steps
