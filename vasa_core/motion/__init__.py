"""The motion generator (VASA-1 Sec. 3.2): audio + controls -> head pose and facial dynamics.

    conditions.py  Controls (user-facing), Conditions (network-facing), condition dropout
    dit.py         MotionDiT, the diffusion transformer, and its config
    diffusion.py   the noise process and the training loss
    sampling.py    samplers, classifier-free guidance, inpainting
    windows.py     sliding windows over long audio, streaming, known lips
    checkpoint.py  config.json + model.safetensors
"""
from .checkpoint import load_pretrained, save_pretrained
from .conditions import (CONDITION_NAMES, EMOTIONS, Conditions, Controls, controls_from_motion,
                         drop_conditions, make_conditions)
from .diffusion import alpha_sigma, q_sample, training_loss
from .dit import MotionDiT, MotionDiTConfig
from .sampling import DEFAULT_STEPS, SAMPLERS, cfg, ddim, dpm_solver, inpaint, time_grid
from .windows import sample_motion, stream_motion

__all__ = [
    "CONDITION_NAMES", "DEFAULT_STEPS", "EMOTIONS", "SAMPLERS", "Conditions", "Controls",
    "MotionDiT", "MotionDiTConfig", "alpha_sigma", "cfg", "controls_from_motion", "ddim",
    "dpm_solver", "drop_conditions", "inpaint", "load_pretrained", "make_conditions", "q_sample",
    "sample_motion", "save_pretrained", "stream_motion", "time_grid", "training_loss",
]
