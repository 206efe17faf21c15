"""vasa_core: an open re-implementation of VASA-1 (one portrait -> a talking face).

    from vasa_core import TalkingFacePipeline
    pipe = TalkingFacePipeline.from_pretrained()
    pipe("me.jpg", "speech.wav", emotion="happy").save("talk.mp4")

The rooms follow the data flow (docs/design.md):

    grid.py, latent.py, settings.py   the contracts: time grid, face latent, controls
    io/        files in and out (images, videos, ARKit CSV, limits)
    audio/     speech -> 16 kHz -> 25 fps features; the phone and word recognisers
    face/      portrait -> face latent (MediaPipe landmarks, pose, expressions, gaze)
    teacher/   rules from phonemes and prosody to motion (training data, lip reading)
    motion/    the diffusion transformer, samplers, sliding windows, lips and blinks
    animate/   model motion -> this portrait's motion (retargeting, scripted tours)
    render/    face latent + motion -> frames
    provenance/  the visible mark and invisible watermark on every frame
    pipeline.py  `TalkingFacePipeline`, the one public API
    speech/, data/, train.py   synthetic voices, training corpora, training
    eval/, cli/                measurements on pixels, the `vasa` command

Importing the package is cheap on purpose: the heavy parts (MediaPipe, torch, the
renderer) load only in the modules that need them.
"""
__version__ = "0.1.0"
__all__ = ["TalkingFacePipeline", "TalkingFaceOutput", "Settings"]


def __getattr__(name: str):
    """`TalkingFacePipeline`, `TalkingFaceOutput` and `Settings`, imported on first use."""
    if name in ("TalkingFacePipeline", "TalkingFaceOutput"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(f"module 'vasa_core' has no attribute {name!r}")
