"""Long audio and streams: the samplers (sampling.py) run window by window over a clip.

Long audio (VASA-1 Sec. 3.2). Windows of L frames (default W, `MotionDiTConfig.window`)
follow each other without overlap; each window is conditioned on the last K
(`MotionDiTConfig.context`) motion frames generated before it and on their audio.

History. The first window takes the portrait's own motion (`init_motion`) as its history
when given, else its history is dropped (the network's learned null tokens). Before the
first frame the audio is the first frame's (edge padding, usually silence), and so is the
motion history when fewer than K frames exist (`_tail`).

Pre-roll. The portrait's mouth belongs to the photo, not to the audio: the first history
takes its jaw and lips from one extra window the model samples over the K edge-padded
audio frames before the clip, without a history (`_settle_mouth`). It draws its noise
from the reserved key PREROLL_SEED_FRAME, so the clip's own windows are unchanged by it.

Padding. A last window shorter than L is sampled padded with its last audio frame (and
its last known-lips row) to L frames, then cropped.

Joins. A window is sampled from its own noise, so its first frame can step away from where
its history was heading; `_join` smooths that step (the head keeps its position and
velocity; expressions and gaze meet the history's trend part-way). Expression
coefficients are clipped to [0, 1] (latent.py) in each sampled window and again after the
join's correction, before they become history.

Streaming. `stream_motion` runs the same windows with L = hop as audio arrives, so its
output is *identical* to `sample_motion(..., window=hop)` whatever the chunking of the
audio (and to the default offline output when hop = W). Each window draws its noise from
`window_seed(seed, first frame)`, not from a shared random stream. Latency: the first
motion frames come out once `hop` audio frames have arrived (hop / fps, e.g. 80 ms for
hop = 2 at 25 fps) plus one window's compute (benchmarks/motion.py,
benchmarks/streaming.py). Short hops shorten the latency, give each frame less future
audio and cost more compute per second (each window re-reads K history frames); the
network must have been trained on windows as short as the hop
(`MotionDiTConfig.min_window`). A shorter first window (`lead` frames, sampled padded to
the window's length and cropped, as the clip's last one is) lets the first frame come out
once `lead` frames have arrived instead of a whole window's: the stream's first picture
waits for one frame of audio, not a hop's, and every later window keeps its length.

Known lips (`Lips`, e.g. `lips.LipReader`). Each window's clean-motion estimate is pulled
onto the lips given for its frames, by `lip_strength`, at every step (`sampling.inpaint`,
inside the guidance); the audio-dropped pass of guidance is pulled onto `lips.silent`.
Strength 1 with no audio guidance gives the given lips exactly before the join; strength
0 is the model's own mouth. A stream samples a window only once `lips.lookahead` more
audio frames have arrived after it (they are what its lips are read from), so lips cost
lookahead / fps of latency (benchmarks/lips.py).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol

import numpy as np
import torch

from ..latent import ARTICULATION, EXPRESSION_SLICE, POSE_SLICE, motion_mask
from ..settings import DEFAULT_STEPS
from .conditions import Conditions, Controls, make_conditions
from .diffusion import ModelFn
from .dit import MotionDiT
from .sampling import SAMPLERS, Scale, StepCallback, _is_int, cfg, ddim, dpm_solver, inpaint

MOUTH = motion_mask(ARTICULATION)  # (D,) bool: the jaw and lip dimensions
# window_seed(seed, start) keys a window's noise by its first clip frame. The pre-roll
# window (`_settle_mouth`) needs a key that no clip window uses: clip frames are counted
# from 0 at 25 fps, and 2 ** 40 frames are about 1400 years of audio, so no clip reaches it.
PREROLL_SEED_FRAME = 2 ** 40

JOIN_FRAMES = 3.0  # frames: e-folding length of the correction of expressions and gaze
JOIN_SHARE = 0.5  # fraction (0-1) of the step at a join that expressions and gaze take back
HEAD_JOIN_FRAMES = 1.5  # frames: time constant of the head's critically damped correction

# (audio (K+L, F), history (K, D) | None, start, callback=None, known=None) -> motion (L, D)
Denoise = Callable[..., np.ndarray]
Known = tuple[np.ndarray, np.ndarray]  # a window's lips (L, D), NaN where free; silent (D,)


class Lips(Protocol):
    """Known lips (e.g. `lips.LipReader`): `lips(start, stop)` -> (stop - start, D) motion in
    data units for clip frames [start, stop), finite where those frames must show it, NaN
    in the dimensions left to the model; `silent` (D,): the same dimensions with no audio
    (the audio-dropped prediction of guidance); `lookahead`: frames of audio past a window
    that its lips are read from, which a stream waits for (lookahead / fps of latency);
    `heard`: frames of audio the lips have been given so far. A stream waits for the
    audio itself, not for the features of those frames, which need 12 ms more of it."""

    silent: np.ndarray
    lookahead: int
    heard: int

    def __call__(self, start: int, stop: int) -> np.ndarray: ...


def sample_motion(model: MotionDiT, audio_feats: np.ndarray, controls: Controls | None = None, *,
                  steps: int = DEFAULT_STEPS, cfg_scales: dict[str, Scale] | None = None,
                  seed: int = 0, init_motion: np.ndarray | None = None,
                  window: int | None = None, sampler: str = "dpm++2m",
                  callback: StepCallback | None = None, lips: Lips | None = None,
                  lip_strength: float = 1.0, lead: int | None = None) -> np.ndarray:
    """Motion (T, D) float32 in data units (latent.MOTION_NAMES) for audio features (T, F).

    controls: global controls (None: all dropped). steps: network calls per window (x the
    guidance batch). cfg_scales: {condition: lambda} for `sampling.cfg`. seed: noise seed
    (windows derive theirs from it). init_motion (n, D): the portrait's own motion, history
    of the first window. window: frames per window, default W. sampler: one of SAMPLERS.
    callback: called after every step of every window (`StepCallback`; x_s and x0 are
    (1, L, D), normalised, before the window join and the clipping of expressions); the
    step index restarts at 0 with each window, windows come in time order; a last window
    shorter than `window` is sampled padded to full length and cropped afterwards.
    lips: known lips per window (`Lips`, read in time order once per window, the whole
    window at a time), pulled in by lip_strength in [0, 1] (module docstring).
    lead: frames of the clip's first window, 1 to `window` (default: `window`).
    """
    audio = _check_audio(model, audio_feats)
    if len(audio) == 0:
        raise ValueError("audio_feats has no frames (T = 0)")
    window = model.config.window if window is None else window
    chunks = _generate(model, [audio], controls, window, steps, cfg_scales, seed, init_motion,
                       sampler, callback, lips, lip_strength, lead)
    return np.concatenate(list(chunks))


def stream_motion(model: MotionDiT, audio_chunks: Iterable[np.ndarray],
                  controls: Controls | None = None, *, hop: int = 10,
                  steps: int = DEFAULT_STEPS, cfg_scales: dict[str, Scale] | None = None,
                  seed: int = 0, init_motion: np.ndarray | None = None,
                  sampler: str = "dpm++2m", lips: Lips | None = None,
                  lip_strength: float = 1.0, lead: int | None = None) -> Iterator[np.ndarray]:
    """Yield motion (n, D) as audio feature chunks (n_i, F) arrive: `lead` frames first
    (default `hop`), then `hop` frames at a time, then the remainder when the chunks end.
    Equals `sample_motion(window=hop, lead=lead)`.
    With `lips`, a window is sampled once the lips have heard `lips.lookahead` frames of
    audio after it, and `lips` is asked for its frames then."""
    checked = (_check_audio(model, chunk) for chunk in audio_chunks)
    return _generate(model, checked, controls, hop, steps, cfg_scales, seed, init_motion, sampler,
                     None, lips, lip_strength, lead)


def window_seed(seed: int, start: int) -> int:
    """The noise seed of the window starting at clip frame `start`."""
    return int(np.random.SeedSequence([seed, start]).generate_state(1)[0])


def _generate(model: MotionDiT, chunks: Iterable[np.ndarray], controls: Controls | None,
              window: int, steps: int, cfg_scales: dict[str, Scale] | None, seed: int,
              init_motion: np.ndarray | None, sampler: str,
              callback: StepCallback | None = None, lips: Lips | None = None,
              lip_strength: float = 1.0, lead: int | None = None) -> Iterator[np.ndarray]:
    """Check the arguments now, then slide windows lazily over `chunks`."""
    _check_args(model, window, steps, seed, sampler, controls)
    lead = window if lead is None else lead
    if not _is_int(lead) or not 1 <= lead <= window:
        raise ValueError(f"lead must be an integer in [1, {window}] (the window), got {lead!r}")
    _check_lips(lips, lip_strength)
    denoise = _window_sampler(model, cfg_scales or {}, controls, steps, seed, sampler,
                              lip_strength)
    init = None if init_motion is None else _check_init(model, init_motion)
    return _slide(denoise, chunks, window, lead, model.config.context, init, callback,
                  lips if lip_strength > 0 else None)


# -- sliding windows --------------------------------------------------------------------------
@dataclass
class _Windows:
    """Where the windows stand, in clip frames."""

    history: np.ndarray | None  # (K, D) motion before `start`, data units; None: dropped
    audio: np.ndarray  # (K, F) audio features of the history frames
    pending: np.ndarray  # (n, F) audio features from `start` on, not yet in a window
    start: int = 0  # clip frame of pending[0]

    def advance(self, audio: np.ndarray, motion: np.ndarray, k: int) -> None:
        """Move past a window: its audio (L, F) and motion (L, D) end the new history."""
        self.audio = _tail(self.audio, audio, k)
        self.history = _tail(self.history, motion, k)
        self.pending, self.start = self.pending[len(audio):], self.start + len(audio)


def _slide(denoise: Denoise, chunks: Iterable[np.ndarray], window: int, lead: int, k: int,
           init: np.ndarray | None, callback: StepCallback | None = None,
           lips: Lips | None = None) -> Iterator[np.ndarray]:
    """Consecutive windows of `window` frames over the audio in `chunks`, the first of
    `lead` (module docstring); `callback` watches the clip's windows, not the pre-roll;
    `lips` gives each window's known lips, and a window waits until `lips` has heard its
    `lips.lookahead` frames after it while more audio may come (checked after every
    chunk, an empty one too: its audio may have reached the lips without completing a
    feature frame)."""
    def size(state: _Windows) -> int:
        return window if state.start > 0 else lead

    state = None
    for chunk in chunks:
        if state is None:
            if len(chunk) == 0:
                continue
            state = _begin(denoise, chunk, init, k)
        state.pending = np.concatenate([state.pending, chunk])
        while _ready(state, size(state), lips, ended=False):
            yield _next_window(denoise, state, size(state), window, k, callback, lips)
    if state is None:
        raise ValueError("the audio stream had no frames (T = 0)")
    while _ready(state, size(state), lips, ended=True):
        yield _next_window(denoise, state, size(state), window, k, callback, lips)
    if len(state.pending):
        yield _next_window(denoise, state, len(state.pending), window, k, callback, lips)


def _begin(denoise: Denoise, first: np.ndarray, init: np.ndarray | None, k: int) -> _Windows:
    """The state before the clip's first window, given its first audio chunk (n, F): the
    first frame's audio edge-padded to K frames, and `init` (n, D) to K frames with the
    pre-roll's mouth."""
    audio = _tail(None, first[:1], k)  # (K, F)
    history = None if init is None else _settle_mouth(denoise, _tail(None, init, k), audio)
    return _Windows(history, audio, first[:0])


def _ready(state: _Windows, n: int, lips: Lips | None, ended: bool) -> bool:
    """Whether the next n frames can be sampled: their features have arrived, and the lips
    have heard `lips.lookahead` frames of audio after them, unless the audio has ended."""
    if len(state.pending) < n:
        return False
    return ended or lips is None or lips.heard >= state.start + n + lips.lookahead


def _next_window(denoise: Denoise, state: _Windows, n: int, window: int, k: int,
                 callback: StepCallback | None, lips: Lips | None) -> np.ndarray:
    """The next n <= `window` frames (n, D), sampled padded to `window` frames and cropped
    (the first window when shorter, the last with what is left), and the state moved past
    them."""
    audio = state.pending[:n]
    known = _known_lips(lips, state.start, state.start + n)
    padded_known = None if known is None else (_pad(known[0], window), known[1])
    motion = _sample_joined(denoise, state, _pad(audio, window), callback, padded_known)[:n]
    state.advance(audio, motion, k)
    return motion


def _sample_joined(denoise: Denoise, state: _Windows, audio: np.ndarray,
                   callback: StepCallback | None, known: Known | None) -> np.ndarray:
    """One window (L, D) for its audio (L, F) after the state's history, joined onto it."""
    motion = denoise(np.concatenate([state.audio, audio]), state.history, state.start,
                     callback, known)
    return _join(_history_for(state.start, state.history), motion)


def _history_for(start: int, history: np.ndarray | None) -> np.ndarray | None:
    """The history a window's join continues: none for the first window, whose history
    (`init_motion`, e.g. a reference pose) conditions it but is not a trajectory."""
    return history if start > 0 else None


def _known_lips(lips: Lips | None, a: int, b: int) -> Known | None:
    """The known lips of clip frames [a, b) (b - a, D) and the silent lips (D,), or None."""
    return None if lips is None else (lips(a, b), lips.silent)


def _pad(rows: np.ndarray, n: int) -> np.ndarray:
    """`rows` (m, ...) with its last row repeated to n >= m rows (`rows` itself if m = n)."""
    if len(rows) == n:
        return rows
    return np.concatenate([rows, np.repeat(rows[-1:], n - len(rows), axis=0)])


def _tail(previous: np.ndarray | None, new: np.ndarray, k: int) -> np.ndarray:
    """The last k rows of previous + new; with no previous, new's first row is repeated."""
    previous = np.repeat(new[:1], k, axis=0) if previous is None else previous
    return np.concatenate([previous, new])[-k:]


# -- pre-roll and joins -------------------------------------------------------------------------
def _settle_mouth(denoise: Denoise, history: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """The caller's history (K, D) with the mouth the model itself gives the audio before
    the clip (K, F; the first frame's, edge-padded): sampled over those K frames without a
    history. Otherwise the reference pose's own mouth would be carried into the clip: the
    data's mean is a speaking mouth, so a clip starting in silence would open the jaw for
    its first frames (docs/experiments.md, "Silence at the start of a clip")."""
    settled = denoise(np.concatenate([audio, audio]), None, PREROLL_SEED_FRAME)  # (K, D)
    out = history.copy()
    out[:, MOUTH] = settled[:, MOUTH]
    return out


def _join(history: np.ndarray | None, motion: np.ndarray) -> np.ndarray:
    """Smooth the step at a window join: a window (L, D) is sampled given its history
    (K, D), but from its own noise, so its first frame can jump away from where the
    history was heading; dp = the history's linear extrapolation minus the window's first
    frame (D,).

    The head is heavy and moves the whole image: a change of its velocity reads as a jerk.
    Its correction is critically damped, c(n) = (dp + (dv + dp / tau) n) exp(-n / tau),
    tau = HEAD_JOIN_FRAMES, which continues its position and velocity (c(0) = dp,
    c'(0) = dv). Expressions and gaze meet the extrapolation part-way (JOIN_SHARE of dp,
    decaying over JOIN_FRAMES): the two are estimates of the same frame, and taking the
    whole step makes the mouth follow its own momentum, which lags (tuned on real speech:
    docs/experiments.md, 'Window joins'). The correction can push expressions out of
    [0, 1], so they are clipped again. Applied identically offline and when streaming,
    and only between generated windows (`_history_for`)."""
    if history is None or len(history) < 2:
        return motion
    n = np.arange(len(motion))[:, None]  # (L, 1) frames since the join
    trend = history[-1] - history[-2]  # (D,) the history's velocity per frame
    step = history[-1] + trend - motion[0]  # (D,) extrapolated minus sampled
    own = motion[1] - motion[0] if len(motion) > 1 else trend  # (D,) the window's velocity
    correction = JOIN_SHARE * np.exp(-n / JOIN_FRAMES) * step  # (L, D)
    head, tau = POSE_SLICE, HEAD_JOIN_FRAMES
    dp, dv = step[head], (trend - own)[head]
    correction[:, head] = (dp + (dv + dp / tau) * n) * np.exp(-n / tau)
    return _clip_expressions(motion + correction).astype(motion.dtype)


def _clip_expressions(motion: np.ndarray) -> np.ndarray:
    """`motion` (L, D) with its expression coefficients clipped to [0, 1], their range
    (latent.py), in place. Applied to each sampled window (the pre-roll and the first
    window are used as sampled) and after `_join`'s correction."""
    motion[:, EXPRESSION_SLICE] = motion[:, EXPRESSION_SLICE].clip(0.0, 1.0)
    return motion


# -- one window -----------------------------------------------------------------------------
def _window_sampler(model: MotionDiT, cfg_scales: dict[str, Scale], controls: Controls | None,
                    steps: int, seed: int, sampler: str, lip_strength: float = 1.0) -> Denoise:
    """A `Denoise`: (audio (K+L, F), history (K, D) | None, start, callback=None,
    known=None) -> motion (L, D) np, data units, expressions clipped; `known`: the window's
    lips (L, D) and the silent lips (D,), data units, NaN where free (`Lips`)."""
    like = dict(device=model.motion_mean.device, dtype=model.motion_mean.dtype)
    k, d = model.config.context, model.config.motion_dim
    guided = cfg(model, cfg_scales)  # checks the scales now, before any audio arrives

    @torch.inference_mode()
    def denoise(audio: np.ndarray, history: np.ndarray | None, start: int,
                callback: StepCallback | None = None, known: Known | None = None) -> np.ndarray:
        generator = torch.Generator().manual_seed(window_seed(seed, start))
        noise = torch.randn(1, len(audio) - k, d, generator=generator).to(**like)  # (1, L, D)
        hist = None if history is None else torch.from_numpy(history)[None].to(**like)
        cond = make_conditions(torch.from_numpy(audio)[None].to(**like), hist, [controls], k)
        fn = guided if known is None else cfg(_pull(model, *known, lip_strength), cfg_scales)
        with _eval_mode(model):
            x0 = _run_sampler(sampler, fn, noise, cond, steps, generator, callback)
        return _clip_expressions(model.denormalise(x0[0]).float().cpu().numpy())  # (L, D)

    return denoise


def _run_sampler(sampler: str, fn: ModelFn, noise: torch.Tensor, cond: Conditions, steps: int,
                 generator: torch.Generator, callback: StepCallback | None) -> torch.Tensor:
    """Denoise `noise` (1, L, D) with the sampler named `sampler` (one of SAMPLERS)."""
    if sampler == "dpm++2m":
        return dpm_solver(fn, noise, cond, steps, callback)
    return ddim(fn, noise, cond, steps, float(sampler == "ancestral"), generator, callback)


@contextlib.contextmanager
def _eval_mode(model: MotionDiT) -> Iterator[None]:
    """The model in eval mode (no dropout) for the block, then back as it was."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _pull(model: MotionDiT, known: np.ndarray, silent: np.ndarray, strength: float) -> ModelFn:
    """`inpaint` onto one window's known motion (L, D) and silent lips (D,), data units,
    NaN where free."""
    like = dict(device=model.motion_mean.device, dtype=model.motion_mean.dtype)
    values = torch.from_numpy(np.asarray(known, np.float32))[None].to(**like)  # (1, L, D)
    given = torch.isfinite(values)
    mean = model.motion_mean.to(**like)
    rest = torch.from_numpy(np.asarray(silent, np.float32)).to(**like).expand_as(values)
    return inpaint(model, model.normalise(torch.where(given, values, mean)),
                   model.normalise(torch.where(given, rest, mean)), strength * given.to(**like))


# -- argument checks --------------------------------------------------------------------------
def _check_audio(model: MotionDiT, audio: np.ndarray) -> np.ndarray:
    """Audio features as finite float32 (T, F)."""
    audio = np.asarray(audio, dtype=np.float32)
    f = model.config.audio_dim
    if audio.ndim != 2 or audio.shape[1] != f:
        raise ValueError(f"audio features must be (T, {f}), got {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio features contain NaN or infinite values")
    return audio


def _check_init(model: MotionDiT, init_motion: np.ndarray) -> np.ndarray:
    """init_motion as finite float32 (n >= 1, D)."""
    init = np.asarray(init_motion, dtype=np.float32)
    d = model.config.motion_dim
    if init.ndim != 2 or init.shape[0] < 1 or init.shape[1] != d or not np.all(np.isfinite(init)):
        raise ValueError(f"init_motion must be finite (n >= 1, {d}), got {init.shape}")
    return init


def _check_args(model: MotionDiT, window: int, steps: int, seed: int, sampler: str,
                controls: Controls | None) -> None:
    lo, hi = model.config.min_window, model.config.window
    if not _is_int(window) or not lo <= window <= hi:
        raise ValueError(f"window/hop must be an integer in [{lo}, {hi}] (the trained window "
                         f"lengths), got {window!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose from {SAMPLERS}")
    if controls is not None and not isinstance(controls, Controls):
        raise ValueError(f"controls must be a Controls or None, got {type(controls).__name__}")


def _check_lips(lips: Lips | None, lip_strength: float) -> None:
    if not 0.0 <= lip_strength <= 1.0:
        raise ValueError(f"lip_strength must be in [0, 1], got {lip_strength!r}")
    if lips is not None and (not _is_int(lips.lookahead) or lips.lookahead < 0):
        raise ValueError(f"lips.lookahead must be a non-negative integer, got "
                         f"{lips.lookahead!r}")
    if lips is not None and not _is_int(getattr(lips, "heard", None)):
        raise ValueError("lips.heard must say how many frames of audio the lips have heard "
                         "(an integer)")
