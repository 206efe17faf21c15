"""Generated against real: one real talking video's audio drives a portrait, and both
videos are measured the same way (metrics.py).

A lip-sync r only means something next to what is reachable on the same video, so four
references come with it, each on the real video's mouth-opening series:
  * ceiling_reenact_r: the real video's own analysed motion drives the same portrait
    (`TalkingFacePipeline.drive`), and that rendering is re-read: the r a perfect motion
    generator would get through our renderer and analyzer;
  * analyzer_r: the real frames re-read mirrored left-right; MediaPipe's second opinion
    on the very same mouth, i.e. how repeatable the measure itself is;
  * energy_r: the real opening against the audio's log energy (best lag); how far this
    talker's mouth follows loudness, which is what a voice-only model can most easily read;
  * teacher_r: the training teacher's mouth rules run on the phones a recogniser trained
    on real speech hears in the audio (phones.py): what imitating the teacher perfectly
    would reach, given the recogniser's errors.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..face.analyze import motion_from_fits
from ..grid import FPS
from .metrics import (blink_rate, blinks_on_pixels, delta_p, join_jitter, lip_sync, log_energy,
                      mouth_opening, opening_from_fits, pooled_offset, resample, track)
from .phones import teacher_opening


STREAM_CHUNK_S = 0.04  # a streamed clip's audio arrives in chunks of one frame


def evaluate_video(pipe, video: str | Path, portrait, seed: int = 0,
                   max_seconds: float = 30.0, references: bool = True, stream: bool = False,
                   **options) -> dict:
    """Drive `portrait` with the audio of a real talking `video` and compare (module doc);
    `options`: the pipeline's controls (settings.Settings), defaults where not given.
    Returns lip sync (r, offset, r_lag0); dP of both as the analyzer reads them (its
    per-frame jitter adds to both alike) and of the generated motion itself; blinks per
    minute of the generated motion, of its frames re-read and of the real video's
    reading; join jitter; and, with `references`, the four reference r's. `stream`: the
    audio is fed to `pipe.stream` in STREAM_CHUNK_S chunks, as a microphone would, and
    the streamed frames are measured (no motion comes back: its own figures are None)."""
    from ..audio import SAMPLE_RATE, load_audio
    from ..io.media import read_video

    frames, fps = read_video(video, max_frames=int(max_seconds * 30))
    fits = track(frames)  # one MediaPipe pass serves both measures of the real video
    real_open = resample(opening_from_fits(fits), fps)
    real_motion = motion_from_fits(fits, fps)
    audio = load_audio(video)[: int(len(frames) / fps * SAMPLE_RATE)]
    generated, motion = _generate(pipe, portrait, audio, seed, stream, options)
    gen_fits = track(generated)  # the generated frames are measured like the real ones
    gen_motion = motion_from_fits(gen_fits, FPS)
    report = {"video": Path(video).name, "seconds": round(len(frames) / fps, 2),
              "frames": len(real_open), "streamed": stream,
              **lip_sync(opening_from_fits(gen_fits), real_open),
              "dP_generated": delta_p(gen_motion), "dP_real": delta_p(real_motion),
              "dP_generated_motion": None if motion is None else delta_p(motion),
              "blinks_per_min_generated": None if motion is None else blink_rate(motion),
              "blinks_per_min_pixels": blinks_on_pixels(gen_fits, FPS),
              "blinks_per_min_real": blinks_on_pixels(fits, fps),
              "join_jitter": (None if motion is None
                              else join_jitter(motion, pipe.model.config.window))}
    if references:
        report.update(reference_r(pipe, frames, fps, real_open, real_motion, audio, portrait))
    return report


def _generate(pipe, portrait, audio: np.ndarray, seed: int, stream: bool, options: dict):
    """(frames (T, H, W, 3), motion or None) of `portrait` driven by 16 kHz `audio`, whole
    or streamed in STREAM_CHUNK_S chunks (a stream gives frames only)."""
    from ..audio import SAMPLE_RATE

    if not stream:
        out = pipe(portrait, (audio, SAMPLE_RATE), seed=seed, mark=False, **options)
        return out.frames, out.motion
    step = int(STREAM_CHUNK_S * SAMPLE_RATE)
    chunks = (audio[i:i + step] for i in range(0, len(audio), step))
    return np.concatenate(list(pipe.stream(portrait, chunks, seed=seed, mark=False,
                                           **options))), None


def reference_r(pipe, frames: np.ndarray, fps: float, real_open: np.ndarray, real_motion,
                audio: np.ndarray, portrait) -> dict:
    """The four references of the module docstring, as Pearson r at the best lag."""
    reenacted = mouth_opening(pipe.drive(portrait, real_motion, mark=False))
    mirrored = resample(mouth_opening(np.ascontiguousarray(f[:, ::-1]) for f in frames), fps)
    energy = log_energy(audio, len(real_open))
    return {"ceiling_reenact_r": lip_sync(resample(reenacted, real_motion.fps), real_open)["r"],
            "analyzer_r": lip_sync(mirrored, real_open, max_lag=0)["r"],
            "energy_r": lip_sync(energy, real_open)["r"],
            "teacher_r": lip_sync(teacher_opening(audio, len(real_open)), real_open)["r"]}


def summarize_videos(reports: list[dict]) -> dict:
    """What `evaluate_video` found over several videos: mean lip-sync r (each at its own
    best lag), the pooled AV offset (metrics.pooled_offset), how many clips' own offsets
    are within +-1 frame, and mean dP generated / real on pixels."""
    pooled = pooled_offset([r["r_by_lag"] for r in reports], [r["frames"] for r in reports])
    mean = lambda key: float(np.nanmean([r[key] for r in reports]))  # noqa: E731
    return {"videos": len(reports), "mean_r": mean("r"), "pooled_offset": pooled["offset"],
            "pooled_r": pooled["r"],
            "offsets_within_1": sum(abs(r["offset"]) <= 1 for r in reports),
            "mean_dP_generated": mean("dP_generated"), "mean_dP_real": mean("dP_real")}
