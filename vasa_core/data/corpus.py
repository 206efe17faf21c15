"""The synthetic training corpus: shards of (16 kHz audio, 25 fps Motion, labels) clips.

A clip is a random voice (tts.Voice.random) speaking random text (text.random_text) in
one of many languages, a Festival voice doing the same (festival.py, a share `festival_p`
of the speech when Festival is installed and asked for), or a sung clip (singing.py); the teacher turns the clean audio
into Motion and labels, then the audio is degraded (augment.py). Audio features are not
computed here: shards keep the audio so feature extractors can change without a rebuild.

Layout of `out_dir`:

    shard-00000.safetensors   one per `shard_seconds` of audio (the last one shorter)
    manifest.json             totals, seconds per language and emotion, shard list

A shard holds tensors `audio` int16 (sum N,), `audio_offsets` int64 (C+1,), `motion`
float32 (sum T, 40) in latent.MOTION_NAMES order, `motion_offsets` int64 (C+1,), and one
metadata entry "clips": a JSON list with each clip's language, text, labels, voice,
augmentation and phoneme segmentation.

Reproducibility: shard i draws everything from `np.random.default_rng([seed, i])` and is
built in a fresh process (eSpeak keeps hidden state between utterances, see tts.py), so
its bytes depend only on (seed, i, config), never on the number of workers or their order;
the same seed gives byte-identical shards and manifest. Shards are written atomically, and
an existing shard is kept, so an interrupted build resumes where it stopped.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Iterator

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

from ..latent import MOTION_NAMES, Motion
from .augment import AugmentConfig, augment
from ..teacher.emotion import EMOTION_STYLES
from ..speech.festival import FestivalVoice, available_voices, synthesize_festival
from ..speech.singing import singing
from ..teacher.rules import Labels, TeacherConfig, teach
from ..speech.text import random_text
from ..speech.tts import LANGUAGES, MODEL_RATE, Voice, synthesize

MANIFEST = "manifest.json"
FORMAT = "vasa-synthetic-v1"


@dataclass(frozen=True)
class CorpusConfig:
    languages: tuple[str, ...] = tuple(LANGUAGES)
    shard_seconds: float = 300.0
    clip_seconds: tuple[float, float] = (3.0, 15.0)  # target speech length before padding
    pad_seconds: tuple[float, float] = (0.1, 0.8)  # silence before and after the speech
    # Some sides get a long pause instead, so that whole windows of silence (a closed
    # mouth with idle motion) are in the data, as in real conversation.
    long_pause_p: float = 0.3
    long_pause_seconds: tuple[float, float] = (1.5, 4.0)
    singing_p: float = 0.08  # share of sung clips
    # Share of speech clips spoken by these Festival voices (festival.py): real speakers'
    # recordings, closer to real voices than eSpeak's formants. Set by `build_corpus`.
    festival_p: float = 0.0
    festival_voices: tuple[str, ...] = ()
    emotion_p: float = 0.5  # share of clips with a non-neutral emotion
    emotion_strength: tuple[float, float] = (0.3, 1.0)
    augment_p: float = 0.85  # share of clips whose audio is degraded
    augment: AugmentConfig = AugmentConfig()
    teacher: TeacherConfig = TeacherConfig()


@dataclass
class Clip:
    """One training example. `audio` (N,) float32 at 16 kHz; `motion` at 25 fps."""

    audio: np.ndarray
    motion: Motion
    labels: Labels
    language: str
    text: str
    meta: dict = field(default_factory=dict)  # kind, voice, augmentation, phonemes

    @property
    def duration(self) -> float:
        return len(self.audio) / MODEL_RATE


def _speech(rng: np.random.Generator, config: CorpusConfig, target: float):
    """(padded 16 kHz utterance of a random language and voice, about `target` s long,
    the voice as a dict)."""
    if config.festival_voices and rng.random() < config.festival_p:
        return _festival_speech(rng, config, target)
    language = str(rng.choice(config.languages))
    voice = Voice.random(language, rng)
    words = max(2, int(round(target * voice.rate / 60.0)))
    text = random_text(language, rng, words)
    utt = synthesize(text, voice, MODEL_RATE, seed=int(rng.integers(2 ** 31)))
    return utt.padded(*_pads(rng, config)), {"engine": "espeak", **asdict(voice)}


def _festival_speech(rng: np.random.Generator, config: CorpusConfig, target: float):
    """`_speech` with a random Festival voice of `config.festival_voices`."""
    voice = FestivalVoice.random(rng, list(config.festival_voices))
    words = max(2, int(round(target * 2.6 / (voice.stretch / voice.tract))))  # ~2.6 words/s
    utt = synthesize_festival(random_text(voice.language, rng, words), voice, MODEL_RATE)
    return utt.padded(*_pads(rng, config)), {"engine": "festival", **asdict(voice)}


def _pads(rng: np.random.Generator, config: CorpusConfig) -> tuple[float, float]:
    """Silence (s) before and after a clip's sound: short, or now and then a long pause."""
    short = rng.uniform(*config.pad_seconds, size=2)
    long = rng.uniform(*config.long_pause_seconds, size=2)
    return tuple(float(x) for x in np.where(rng.random(2) < config.long_pause_p, long, short))


def generate_clip(rng: np.random.Generator, config: CorpusConfig = CorpusConfig(),
                  target: float | None = None) -> Clip:
    """One random clip: speech (or singing), its teacher motion, degraded audio."""
    target = target if target is not None else rng.uniform(*config.clip_seconds)
    voice = None
    if rng.random() < config.singing_p:
        utt = singing(rng, target, MODEL_RATE).padded(*_pads(rng, config))
    else:
        utt, voice = _speech(rng, config, target)
    emotion, strength = "neutral", 0.0
    if rng.random() < config.emotion_p:
        emotion = str(rng.choice([e for e in EMOTION_STYLES if e != "neutral"]))
        strength = float(rng.uniform(*config.emotion_strength))
    motion, labels = teach(utt, rng, emotion, strength, config.teacher)
    audio, applied = utt.wave, {}
    if rng.random() < config.augment_p:
        audio, applied = augment(utt.wave, MODEL_RATE, rng, config.augment)
    meta = {"kind": "singing" if voice is None else "speech", "voice": voice,
            "augment": applied,
            "phonemes": [[s, round(a, 4), round(b, 4)] for s, a, b in utt.phonemes]}
    return Clip(np.clip(audio, -1.0, 1.0), motion, labels, utt.language, utt.text, meta)


def _to_int16(audio: np.ndarray) -> np.ndarray:
    return np.round(np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def write_shard(path: Path, clips: list[Clip]) -> dict:
    """Concatenate `clips` into one safetensors file, written atomically (also used by
    extract.py, so real-video shards have exactly this layout); its `shard_summary`."""
    lengths = [len(c.audio) for c in clips], [len(c.motion) for c in clips]
    tensors = {
        "audio": np.concatenate([_to_int16(c.audio) for c in clips]),
        "audio_offsets": np.cumsum([0] + lengths[0]).astype(np.int64),
        "motion": np.concatenate([c.motion.values for c in clips]).astype(np.float32),
        "motion_offsets": np.cumsum([0] + lengths[1]).astype(np.int64),
    }
    meta = [{"language": c.language, "text": c.text, "labels": c.labels.to_dict(), **c.meta}
            for c in clips]
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"clips": json.dumps(meta, sort_keys=True)})
    os.replace(tmp, path)
    return shard_summary(path)


def shard_summary(path: Path) -> dict:
    """{"file", "clips", "seconds", "languages", "emotions"} read back from a shard."""
    with safe_open(str(path), framework="numpy") as f:
        meta = json.loads(f.metadata()["clips"])
        offsets = f.get_tensor("audio_offsets")
    seconds = np.diff(offsets) / MODEL_RATE
    languages: dict[str, float] = {}
    emotions: dict[str, int] = {}
    for m, s in zip(meta, seconds):
        languages[m["language"]] = languages.get(m["language"], 0.0) + float(s)
        emotion = m["labels"]["emotion"] or "unknown"  # None: a real video's
        emotions[emotion] = emotions.get(emotion, 0) + 1
    return {"file": path.name, "clips": len(meta), "seconds": float(seconds.sum()),
            "languages": languages, "emotions": emotions}


def build_shard(out_dir: Path, seed: int, index: int, seconds: float, config: CorpusConfig
                ) -> dict:
    """Write shard `index` (about `seconds` of audio) unless it exists; its summary.

    Bit-reproducible only as the first shard built in its process (see the module doc).
    """
    path = Path(out_dir) / f"shard-{index:05d}.safetensors"
    if path.exists():
        return shard_summary(path)
    rng = np.random.default_rng([seed, index])
    clips: list[Clip] = []
    done = 0.0
    while done < seconds:
        # the last clip of a shard is cut to what is left of its budget
        left = max(seconds - done, config.clip_seconds[0] / 2)
        clip = generate_clip(rng, config, min(rng.uniform(*config.clip_seconds), left))
        clips.append(clip)
        done += clip.duration
    return write_shard(path, clips)


def _merge(summaries: list[dict], key: str) -> dict:
    out: dict = {}
    for s in summaries:
        for k, v in s[key].items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


def build_corpus(out_dir: str | Path, hours: float, seed: int = 0,
                 languages: tuple[str, ...] | None = None, progress: bool = True,
                 workers: int = 1, config: CorpusConfig = CorpusConfig(),
                 festival: float = 0.0) -> dict:
    """Write about `hours` of clips to `out_dir` (see the module docstring); the manifest.

    `festival`: share of speech spoken by the installed Festival voices of the chosen
    languages (ValueError when there are none); the manifest's config names them.

    `workers` processes build shards side by side; the output is the same bytes. Workers
    are spawned, so a script calling this needs the `if __name__ == "__main__":` guard.
    """
    from tqdm import tqdm

    if languages is not None:
        unknown = set(languages) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"no eSpeak voice for {sorted(unknown)}; known: {list(LANGUAGES)}")
        config = replace(config, languages=tuple(languages))
    if not 0.0 <= festival <= 1.0:
        raise ValueError(f"festival is a share of the speech, 0..1; got {festival}")
    if festival > 0:
        config = replace(config, festival_p=festival,
                         festival_voices=_festival_voices(config.languages))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    total = hours * 3600.0
    count = max(1, int(np.ceil(total / config.shard_seconds)))
    jobs = [(out, seed, i, min(config.shard_seconds, total - i * config.shard_seconds), config)
            for i in range(count)]
    bar = tqdm(total=round(total), unit="s", desc="synthetic corpus", disable=not progress)
    summaries: list[dict] = [{}] * count
    # one fresh process per shard: see "Reproducibility" in the module docstring
    with ProcessPoolExecutor(max(1, workers), mp_context=get_context("spawn"),
                             max_tasks_per_child=1) as pool:
        futures = {pool.submit(build_shard, *job): job[2] for job in jobs}
        for future in as_completed(futures):
            summaries[futures[future]] = future.result()
            bar.update(future.result()["seconds"])
    bar.close()
    return write_manifest(out, summaries, fps=config.teacher.fps, seed=seed,
                          hours_requested=hours, config=asdict(config))


def _festival_voices(languages: tuple[str, ...]) -> tuple[str, ...]:
    from ..speech.festival import VOICES

    voices = tuple(v for v in available_voices() if VOICES[v][0] in languages)
    if not voices:
        raise ValueError("no Festival voice installed for these languages; install Debian's "
                         "festival and festvox-* voices (e.g. `apt-get install festival "
                         "festvox-kallpc16k festvox-us-slt-hts`), or build without --festival")
    return voices


def write_manifest(out: Path, summaries: list[dict], fps: float, **fields) -> dict:
    """Write and return `out`/manifest.json: totals over the `shard_summary` dicts of the
    shards, in order, plus the builder's own `fields` (seed, config, skipped files...)."""
    manifest = {
        "format": FORMAT, "sample_rate": MODEL_RATE, "fps": fps,
        "motion_names": list(MOTION_NAMES), "clips": sum(s["clips"] for s in summaries),
        "seconds": sum(s["seconds"] for s in summaries),
        "languages": _merge(summaries, "languages"), "emotions": _merge(summaries, "emotions"),
        "shards": [{k: s[k] for k in ("file", "clips", "seconds")} for s in summaries],
        **fields,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def load_corpus(directory: str | Path) -> Iterator[Clip]:
    """Every clip of a built corpus, shard by shard, in the order they were written."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text())
    for shard in manifest["shards"]:
        with safe_open(str(directory / shard["file"]), framework="numpy") as f:
            meta = json.loads(f.metadata()["clips"])
            audio, motion = f.get_tensor("audio"), f.get_tensor("motion")
            a_off, m_off = f.get_tensor("audio_offsets"), f.get_tensor("motion_offsets")
        for i, m in enumerate(meta):
            labels = m.pop("labels")
            labels["gaze"] = tuple(labels["gaze"])
            yield Clip(audio[a_off[i]:a_off[i + 1]].astype(np.float32) / 32767,
                       Motion(motion[m_off[i]:m_off[i + 1]], manifest["fps"]),
                       Labels(**labels), m.pop("language"), m.pop("text"), m)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Build a synthetic VASA training corpus.")
    parser.add_argument("out_dir")
    parser.add_argument("--hours", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--languages", nargs="*", help=f"subset of {' '.join(LANGUAGES)}")
    args = parser.parse_args()
    summary = build_corpus(args.out_dir, args.hours, args.seed, args.languages,
                           workers=args.workers)
    print(f"{summary['clips']} clips, {summary['seconds'] / 3600:.2f} h in {args.out_dir}")
