"""Train the motion generator (VASA-1, Xu et al. 2024, Sec. 3.2) on a built corpus.

VASA-1 trains its diffusion transformer to denoise windows of holistic motion (head pose +
facial dynamics) given frame-aligned audio, the last K frames of the previous window and
global controls (main gaze, head distance, emotion), each condition randomly dropped so
that one network also learns the unconditional predictions classifier-free guidance needs.
This file is that loop, nanoGPT-style: one config, a few small functions, no framework.

    data     `WindowDataset`: corpus clips -> (history K frames, window W frames) with
             audio features computed once per clip (cached next to the shards) and the
             clip's labels as controls; the trainer crops each batch to a random L in
             [min_window, W] so that short streaming windows are trained on too.
    model    `MotionDiT` with the corpus' motion mean/std set before training.
    optim    AdamW, linear warm-up then cosine decay, gradient clipping, EMA of the weights
             (the EMA model is what gets saved, as in DiT).
    scale    Hugging Face Accelerate: the same code on CPU, one GPU or `accelerate launch`.

Determinism: sample i of the data stream depends only on (seed, i), and every random draw
of step s (window length, condition dropout, noise level, noise, network dropout) only on
(seed, s, process). A run resumed from step s therefore continues bit for bit.

    python -m vasa_core.train --corpus /work/corpus --out checkpoints/vasa-motion-s --steps 5000

Output directory: config.json + model.safetensors (`motion.save_pretrained`, EMA weights),
train_config.json, loss.json, loss.png, and resume/ (optimizer state; not for git).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
from safetensors.numpy import load_file, save_file
from torch.utils.data import DataLoader, Dataset

from .audio import FEATURE_DIM, features
from .audio.features import mel_block_map
from .audio.spectrum import mel_warp
from .data.corpus import MANIFEST, load_corpus
from .latent import MOTION_INDEX
from .motion import (CONDITION_NAMES, Conditions, MotionDiT, MotionDiTConfig, drop_conditions,
                     load_pretrained, save_pretrained, training_loss)
from .motion.conditions import CONDITION_INDEX, EMOTION_INDEX
from .motion.dit import default_drop_probs

if TYPE_CHECKING:
    from accelerate import Accelerator

TRAIN_CONFIG = "train_config.json"
LOSS_LOG = "loss.json"
RESUME_DIR = "resume"


MODEL_FIELDS = ("width", "layers", "heads", "window", "context", "min_window", "dropout",
                "audio_lifter")
_MODEL_DEFAULTS = {f.name: f.default for f in fields(MotionDiTConfig) if f.name in MODEL_FIELDS}


@dataclass
class TrainConfig:
    """Everything a run depends on; saved as train_config.json beside the checkpoint."""

    corpus: str  # a corpus directory, or several joined by os.pathsep (trained as one)
    out: str
    steps: int = 5000
    batch: int = 32  # per process
    lr: float = 3e-4
    min_lr_ratio: float = 0.1  # the cosine decays to lr * min_lr_ratio
    warmup: int = 200
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    velocity_weight: float = 1.0
    # max |alpha - 1| of the per-window vocal-tract length perturbation; off by default: it
    # cost real-video lip sync (docs/experiments.md, "Vocal-tract length perturbation")
    vtlp: float = 0.0
    seed: int = 0
    mixed_precision: str = "no"  # no | fp16 | bf16
    save_every: int = 500
    threads: int = 0  # torch CPU threads; 0 = torch's default
    # Fine-tuning: start from this checkpoint's weights and motion normalisation (its
    # architecture replaces the fields below); "" trains from scratch.
    init: str = ""
    # The MotionDiTConfig fields a run may change (flat, so each is a command-line flag);
    # their defaults are the network's own.
    width: int = _MODEL_DEFAULTS["width"]
    layers: int = _MODEL_DEFAULTS["layers"]
    heads: int = _MODEL_DEFAULTS["heads"]
    window: int = _MODEL_DEFAULTS["window"]
    context: int = _MODEL_DEFAULTS["context"]
    min_window: int = _MODEL_DEFAULTS["min_window"]
    dropout: float = _MODEL_DEFAULTS["dropout"]
    audio_lifter: int = _MODEL_DEFAULTS["audio_lifter"]

    def model_config(self) -> MotionDiTConfig:
        shared = {name: getattr(self, name) for name in MODEL_FIELDS}
        return MotionDiTConfig(audio_dim=FEATURE_DIM, drop_probs=default_drop_probs(), **shared)

    def check_corpus(self) -> None:
        """ValueError naming the first corpus directory that is not one, before any work."""
        for part in filter(None, self.corpus.split(os.pathsep)):
            if not (Path(part) / MANIFEST).is_file():
                raise ValueError(f"{part} is not a corpus (no {MANIFEST}; build one with "
                                 "`vasa corpus build` or `vasa corpus extract`)")

    def adopt_init(self) -> TrainConfig:
        """With `init`, this config with the architecture of the checkpoint it starts from."""
        if not self.init:
            return self
        try:
            saved = MotionDiTConfig.load(self.init)
        except FileNotFoundError as err:
            raise ValueError(f"--init {self.init} is not a checkpoint ({err})") from None
        if saved.audio_dim != FEATURE_DIM:
            raise ValueError(f"{self.init} reads {saved.audio_dim} audio features, "
                             f"this code computes {FEATURE_DIM}")
        return replace(self, **{name: getattr(saved, name) for name in MODEL_FIELDS})

    def save(self, directory: str | Path) -> None:
        text = json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        (Path(directory) / TRAIN_CONFIG).write_text(text)


# -- data ---------------------------------------------------------------------------------

def corpus_features(corpus: str) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """`clip_features` of every directory in `corpus` (joined by os.pathsep), in order:
    synthetic and real-video corpora (data/extract.py) train together."""
    return [clip for part in corpus.split(os.pathsep) if part for clip in clip_features(part)]


def clip_features(corpus: str | Path) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """Every clip as (audio features (T, F), motion (T, D), labels dict), features cached.

    Features are computed once per clip and stored in `corpus`/features-<F>/<shard> as
    safetensors keyed by clip index, so later runs (and other processes) only read them.
    """
    corpus = Path(corpus)
    shards = json.loads((corpus / MANIFEST).read_text())["shards"]
    cache_dir = corpus / f"features-{FEATURE_DIM}"
    cache_dir.mkdir(exist_ok=True)
    clips = load_corpus(corpus)
    out = []
    for shard in shards:
        path = cache_dir / shard["file"]
        cached = load_file(str(path)) if path.exists() else {}
        missing = False
        for i in range(shard["clips"]):
            clip = next(clips)
            key = f"{i:05d}"
            if key not in cached:
                cached[key], missing = features(clip.audio), True  # (ceil(N / 640), F)
            frames = min(len(cached[key]), len(clip.motion))  # equal up to a rounding frame
            out.append((cached[key][:frames], clip.motion.values[:frames], asdict(clip.labels)))
        if missing:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            save_file(cached, str(tmp))
            os.replace(tmp, path)  # atomic: a concurrent reader sees all or nothing
    return out


class WindowDataset(Dataset):
    """An endless stream of training windows; item i depends only on (seed, i).

    Item: audio (K+W, F) for the K history frames then the W window frames, history
    (K, D) and motion (W, D) in data units, and the clip's controls. Frames before the clip
    start are the clip's first frame repeated (motion and audio), which is what the sampler
    feeds the first window of a clip, so frame t of `audio[K:]` is frame t of `motion`.
    """

    def __init__(self, clips: Sequence[tuple[np.ndarray, np.ndarray, dict]], window: int,
                 context: int, seed: int, vtlp: float = 0.0) -> None:
        self.clips = [c for c in clips if len(c[1]) >= window]
        if not self.clips:
            raise ValueError(f"no clip has the {window} frames a window needs")
        self.window, self.context, self.seed, self.vtlp = window, context, seed, vtlp
        lengths = np.array([len(c[1]) - window + 1 for c in self.clips], dtype=np.float64)
        self.clip_p = lengths / lengths.sum()  # every window start equally likely
        motion = np.concatenate([c[1] for c in self.clips])  # (sum T, D)
        self.mean_log_scale = float(motion[:, MOTION_INDEX["log_scale"]].mean())

    def __len__(self) -> int:
        return 2 ** 62  # endless; the sampler says which items a run reads

    def all_motion(self) -> torch.Tensor:
        """Every frame (sum T, D), for the model's normalisation statistics."""
        return torch.from_numpy(np.concatenate([c[1] for c in self.clips]))

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, index])
        audio, motion, labels = self.clips[rng.choice(len(self.clips), p=self.clip_p)]
        start = int(rng.integers(len(motion) - self.window + 1))
        k = self.context
        # rows start-K .. start+W-1, clamped at 0: pad the past with the first frame
        rows = np.clip(np.arange(start - k, start + self.window), 0, None)
        return {"audio": torch.from_numpy(self.perturb(audio[rows], rng)),  # (K+W, F)
                "history": torch.from_numpy(motion[rows[:k]]),  # (K, D)
                "motion": torch.from_numpy(motion[rows[k:]]),  # (W, D)
                **self.controls(labels)}

    def perturb(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Vocal-tract length perturbation of a window's (K+W, F) features: both log-mel
        blocks warped by one alpha ~ U(1 - vtlp, 1 + vtlp) (`audio.spectrum.mel_warp`), as if
        a shorter or longer vocal tract had spoken; eSpeak's voices span fewer formant
        scales than people do. Off (no random draw at all) when vtlp is 0."""
        if not self.vtlp:
            return audio
        warp = mel_warp(float(rng.uniform(1.0 - self.vtlp, 1.0 + self.vtlp)))  # (mel, mel)
        # warp acts on column spectra; frames are rows, hence its transpose.
        return audio @ mel_block_map(warp.T, audio.shape[1]).astype(audio.dtype)

    def controls(self, labels: dict) -> dict[str, torch.Tensor]:
        """The clip's labels as Conditions fields (units: `motion.conditions`)."""
        # A neutral clip is labelled strength 0; train it at 1 so that asking for "neutral"
        # at the default strength 1 reads the embedding the network learned for it.
        # An unknown emotion (real video, `data.extract`) is trained as a dropped condition.
        emotion = labels["emotion"]
        neutral = emotion in ("neutral", None)
        return {"gaze": torch.tensor(labels["gaze"], dtype=torch.float32),
                "distance": torch.tensor(labels["distance"] - self.mean_log_scale,
                                         dtype=torch.float32),
                "emotion": torch.tensor(EMOTION_INDEX[emotion or "neutral"]),
                "emotion_strength": torch.tensor(1.0 if neutral else labels["emotion_strength"],
                                                 dtype=torch.float32),
                "emotion_known": torch.tensor(emotion is not None)}


def make_loader(dataset: WindowDataset, batch: int, first: int, last: int) -> DataLoader:
    """Items first..last-1 of the stream, in order (the stream itself is random)."""
    return DataLoader(dataset, batch_size=batch, sampler=range(first, last), drop_last=True)


# -- one step -------------------------------------------------------------------------------

def step_seed(seed: int, step: int, process: int) -> int:
    return int(np.random.SeedSequence([seed, step, process]).generate_state(1)[0])


def batch_conditions(batch: dict[str, torch.Tensor], length: int, context: int,
                     drop_probs: dict[str, float], generator: torch.Generator
                     ) -> tuple[torch.Tensor, Conditions]:
    """Crop a batch to window length L; (motion (B, L, D), conditions with dropout)."""
    b = batch["motion"].shape[0]
    present = torch.ones(b, len(CONDITION_NAMES), dtype=torch.bool, device=batch["motion"].device)
    if "emotion_known" in batch:
        present[:, CONDITION_INDEX["emotion"]] = batch["emotion_known"].to(present.device)
    cond = Conditions(audio=batch["audio"][:, :context + length], history=batch["history"],
                      gaze=batch["gaze"], distance=batch["distance"], emotion=batch["emotion"],
                      emotion_strength=batch["emotion_strength"], present=present)
    return batch["motion"][:, :length], drop_conditions(cond, drop_probs, generator)


def lr_at(step: int, config: TrainConfig) -> float:
    """Linear warm-up to config.lr, then cosine decay to lr * min_lr_ratio."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = min(1.0, (step - config.warmup) / max(1, config.steps - config.warmup))
    cosine = 0.5 * (1 + math.cos(math.pi * progress))  # 1 -> 0
    return config.lr * (config.min_lr_ratio + (1 - config.min_lr_ratio) * cosine)


@torch.no_grad()
def update_ema(ema: MotionDiT, model: MotionDiT, step: int, decay: float) -> None:
    """ema <- d ema + (1 - d) model, d warmed up so early EMA is not stuck at the init."""
    d = min(decay, (1 + step) / (10 + step))
    ema_params = list(ema.parameters())
    params = [p.detach().to(p_ema.dtype) for p, p_ema in zip(model.parameters(), ema_params)]
    torch._foreach_lerp_(ema_params, params, 1 - d)


def make_optimizer(model: MotionDiT, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only, not on biases (as nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.99))


# -- the loop -------------------------------------------------------------------------------

def build(config: TrainConfig, accelerator: Accelerator) -> tuple[MotionDiT, WindowDataset]:
    """The model, with the corpus' normalisation set, and the dataset."""
    with accelerator.main_process_first():  # one process fills the feature cache
        clips = corpus_features(config.corpus)
    dataset = WindowDataset(clips, config.window, config.context, config.seed, config.vtlp)
    if config.init:
        # The pretrained normalisation is kept: its network was trained in those units.
        return load_pretrained(config.init).train(), dataset
    torch.manual_seed(config.seed)  # the initial weights
    model = MotionDiT(config.model_config())
    model.set_normalisation(dataset.all_motion())
    return model, dataset


def save(accelerator: Accelerator, config: TrainConfig, ema: MotionDiT, losses: list[dict],
         step: int) -> None:
    """The EMA model, configs, the loss curve and the resumable state (main process writes)."""
    out = Path(config.out)
    accelerator.save_state(str(out / RESUME_DIR))  # model, optimizer, EMA (registered)
    if not accelerator.is_main_process:
        return
    save_pretrained(ema, out)
    config.save(out)
    (out / LOSS_LOG).write_text(json.dumps({"step": step, "losses": losses}) + "\n")
    plot_losses(losses, out / "loss.png")


def plot_losses(losses: list[dict], path: Path) -> None:
    # Figure without pyplot: no global backend switch (a notebook calling train() keeps
    # showing its own plots).
    from matplotlib.figure import Figure

    steps = np.array([r["step"] for r in losses])
    loss = np.array([r["loss"] for r in losses])
    smooth = np.convolve(loss, np.ones(min(50, len(loss))) / min(50, len(loss)), mode="valid")
    fig = Figure(figsize=(6, 3.5), dpi=100)
    ax = fig.subplots()
    ax.plot(steps, loss, lw=0.5, alpha=0.4, label="loss")
    ax.plot(steps[len(steps) - len(smooth):], smooth, lw=1.5, label="moving mean (50)")
    ax.set(xlabel="step", ylabel="x0 + velocity MSE (normalised)", yscale="log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def resume_step(accelerator: Accelerator, config: TrainConfig) -> tuple[int, list[dict]]:
    """Load the saved state into the prepared objects; (next step, losses so far)."""
    out = Path(config.out)
    accelerator.load_state(str(out / RESUME_DIR))
    log = json.loads((out / LOSS_LOG).read_text())
    return log["step"], [r for r in log["losses"] if r["step"] < log["step"]]


def train(config: TrainConfig, resume: bool = False, stop_at: int | None = None) -> list[dict]:
    """Run (or continue) training; returns the per-step loss records.

    stop_at: stop (and save) after this many steps, to split a run into time-limited jobs
    that `resume` joins; the schedule still spans `config.steps`.
    """
    from accelerate import Accelerator
    from tqdm import tqdm

    config.check_corpus()
    config = config.adopt_init()
    if config.threads:
        torch.set_num_threads(config.threads)
    accelerator = Accelerator(mixed_precision=config.mixed_precision)
    model, dataset = build(config, accelerator)
    ema = copy.deepcopy(model).requires_grad_(False).eval()
    optimizer = make_optimizer(model, config)
    model, optimizer = accelerator.prepare(model, optimizer)
    ema.to(accelerator.device)
    accelerator.register_for_checkpointing(ema)
    start, losses = resume_step(accelerator, config) if resume else (0, [])
    Path(config.out).mkdir(parents=True, exist_ok=True)
    per_step = config.batch * accelerator.num_processes
    last = min(stop_at or config.steps, config.steps)
    loader = accelerator.prepare(make_loader(dataset, config.batch, start * per_step,
                                             last * per_step))
    raw = accelerator.unwrap_model(model)
    bar = tqdm(total=config.steps, initial=start, disable=not accelerator.is_local_main_process)
    model.train()
    for step, batch in enumerate(loader, start):
        record = train_step(accelerator, model, raw, optimizer, batch, config, step)
        update_ema(ema, raw, step, config.ema_decay)
        losses.append(record)
        bar.update(1)
        bar.set_postfix(loss=f"{record['loss']:.4f}", lr=f"{record['lr']:.2e}")
        if (step + 1) % config.save_every == 0 or step + 1 == last:
            save(accelerator, config, ema, losses, step + 1)
    bar.close()
    accelerator.wait_for_everyone()
    return losses


def train_step(accelerator: Accelerator, model: torch.nn.Module, raw: MotionDiT,
               optimizer: torch.optim.Optimizer, batch: dict[str, torch.Tensor],
               config: TrainConfig, step: int) -> dict:
    """One optimizer step; its record {"step", "loss", "x0", "velocity", "lr"}."""
    seed = step_seed(config.seed, step, accelerator.process_index)
    torch.manual_seed(seed)  # network dropout draws from the global RNG
    generator = torch.Generator().manual_seed(seed)
    length = int(torch.randint(config.min_window, config.window + 1, (1,), generator=generator))
    motion, cond = batch_conditions(batch, length, config.context, raw.config.drop_probs,
                                    generator)
    lr = lr_at(step, config)
    for group in optimizer.param_groups:
        group["lr"] = lr
    terms = training_loss(model, raw.normalise(motion), cond, generator, config.velocity_weight)
    accelerator.backward(terms["loss"])
    accelerator.clip_grad_norm_(model.parameters(), config.grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    mean = {k: accelerator.reduce(v.detach().float(), "mean").item() for k, v in terms.items()}
    return {"step": step, **mean, "lr": lr}


# -- command line ----------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> tuple[TrainConfig, bool, int | None]:
    parser = argparse.ArgumentParser(description="Train the VASA motion generator.")
    parser.add_argument("--corpus", required=True, nargs="+", metavar="DIR",
                        help="directories built by `vasa corpus build` or `extract`")
    parser.add_argument("--out", required=True, help="checkpoint directory")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/resume")
    parser.add_argument("--mixed-precision", choices=("no", "fp16", "bf16"), default="no")
    parser.add_argument("--stop-at", type=int, help="stop after this step (resume later)")
    parser.add_argument("--init", default="", metavar="CHECKPOINT",
                        help="fine-tune: start from this checkpoint (its architecture, "
                             "weights and normalisation)")
    for f in fields(TrainConfig):
        if f.name not in ("corpus", "out", "mixed_precision", "init"):
            parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default),
                                default=f.default)
    args = vars(parser.parse_args(argv))
    resume, stop_at = args.pop("resume"), args.pop("stop_at")
    args["corpus"] = os.pathsep.join(args["corpus"])
    return TrainConfig(**args), resume, stop_at


def main(argv: Sequence[str] | None = None) -> None:
    config, resume, stop_at = parse_args(argv)
    losses = train(config, resume, stop_at)
    if losses:
        print(f"step {losses[-1]['step'] + 1}: loss {losses[-1]['loss']:.4f} -> {config.out}")


if __name__ == "__main__":
    main()
