"""Save and load a motion generator: config.json + model.safetensors, never pickle.

The safetensors file holds every parameter and buffer, the motion normalisation
(`motion_mean`, `motion_std`) included, so a loaded model reproduces the saved one bit
for bit. See docs/design.md, "Checkpoint".
"""
from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .dit import MotionDiT, MotionDiTConfig

WEIGHTS_NAME = "model.safetensors"


def save_pretrained(model: MotionDiT, directory: str | Path) -> Path:
    """Write `directory`/config.json and `directory`/model.safetensors; returns the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.config.save(directory)
    tensors = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    save_file(tensors, str(directory / WEIGHTS_NAME), metadata={"format": "pt"})
    return directory


def load_pretrained(directory: str | Path, device: str | torch.device = "cpu") -> MotionDiT:
    """The model saved in `directory`, in eval mode on `device`."""
    directory = Path(directory)
    if not (directory / WEIGHTS_NAME).is_file():
        raise FileNotFoundError(f"no {WEIGHTS_NAME} in {directory}")
    model = MotionDiT(MotionDiTConfig.load(directory))
    model.load_state_dict(load_file(str(directory / WEIGHTS_NAME)), strict=True)
    return model.to(device).eval()
