"""Does a trained motion generator follow the audio? Correlations of its jawOpen, as JSON.

    python benchmarks/lipsync.py [--checkpoint checkpoints/vasa-motion-s] [--clips 8] [--seed 1]
                                 [--cfg-audio 0]

Two checks, both Pearson correlations over frames (25 fps):

* real speech (every file in ../shared/assets/speech, at most 30 s each): sampled jawOpen
  vs the audio's per-frame log energy (RMS of each 640-sample frame, in dB). A mouth that
  follows the voice correlates positively; an audio-blind one gives ~0.
* held-out synthetic clips (`--clips` clips drawn with `--seed`, a seed the shipped corpus
  was not built with): sampled jawOpen vs the teacher's jawOpen for the same audio, i.e.
  how well the student imitates the teacher on unseen voices and texts. The teacher's own
  energy correlation is printed alongside as the reference.

Sampling: `sample_motion` with the default sampler and `--steps`, audio guidance of scale
`--cfg-audio` (0: none) on the articulators, as the pipeline guides, the clip's gaze and
distance as controls for synthetic clips and no controls for real speech.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from vasa_core.audio import features, load_audio
from vasa_core.eval import log_energy
from vasa_core.latent import MOTION_INDEX
from vasa_core.motion import (DEFAULT_STEPS, Controls, MotionDiT, load_pretrained,
                              sample_motion)
from vasa_core.motion.conditions import guidance_scales
from vasa_core.settings import Settings

SPEECH = Path(__file__).resolve().parents[2] / "shared" / "assets" / "speech"
JAW = MOTION_INDEX["jawOpen"]


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def real_speech(model: MotionDiT, seed: int, guidance: dict, steps: int) -> dict[str, float]:
    """{file name: corr(sampled jawOpen, log energy)} over the shared speech files."""
    out = {}
    for path in sorted(SPEECH.glob("*.wav")):
        wave = load_audio(path, max_seconds=None)[: 30 * 16000]
        feats = features(wave)  # (T, F)
        motion = sample_motion(model, feats, seed=seed, cfg_scales=guidance, steps=steps)
        out[path.name] = corr(motion[:, JAW], log_energy(wave, len(feats)))
    return out


def held_out(model: MotionDiT, clips: int, seed: int, guidance: dict, steps: int
             ) -> list[dict[str, float]]:
    """Per held-out synthetic clip: student-vs-teacher and teacher-vs-energy correlations."""
    from vasa_core.data.corpus import generate_clip

    rng = np.random.default_rng([seed, 999])
    rows = []
    for _ in range(clips):
        clip = generate_clip(rng, target=10.0)
        feats = features(clip.audio)
        frames = min(len(feats), len(clip.motion))
        labels = clip.labels
        controls = Controls(gaze=labels.gaze, distance=labels.distance
                            - float(model.motion_mean[MOTION_INDEX["log_scale"]]))
        motion = sample_motion(model, feats[:frames], controls, seed=seed, cfg_scales=guidance,
                               steps=steps)
        teacher = clip.motion.values[:frames, JAW]
        energy = log_energy(clip.audio, len(feats))[:frames]
        rows.append({"language": clip.language, "seconds": round(clip.duration, 2),
                     "student_vs_teacher": corr(motion[:, JAW], teacher),
                     "student_vs_energy": corr(motion[:, JAW], energy),
                     "teacher_vs_energy": corr(teacher, energy)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="checkpoints/vasa-motion-s")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cfg-audio", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    args = parser.parse_args()
    model = load_pretrained(args.checkpoint)
    # audio guidance exactly as the pipeline applies it (on the articulators only)
    guidance = {"audio": guidance_scales(Settings(cfg_audio=args.cfg_audio))["audio"]}
    speech = real_speech(model, args.seed, guidance, args.steps)
    synthetic = held_out(model, args.clips, args.seed, guidance, args.steps)
    mean = {k: float(np.mean([r[k] for r in synthetic]))
            for k in ("student_vs_teacher", "student_vs_energy", "teacher_vs_energy")}
    print(json.dumps({"checkpoint": args.checkpoint, "cfg_audio": args.cfg_audio,
                      "steps": args.steps,
                      "real_speech_jaw_vs_energy": speech,
                      "real_speech_mean": float(np.mean(list(speech.values()))),
                      "held_out_synthetic": synthetic, "held_out_mean": mean}, indent=1))


if __name__ == "__main__":
    main()
