"""vasa_core: an open re-implementation of VASA-1 (one portrait -> a talking face).

Importing the package is cheap on purpose: the heavy parts (MediaPipe, torch, the
renderer) load only in the modules that need them. Start from `vasa_core.latent` for the
contract, `vasa_core.cli` for the commands.
"""
__version__ = "0.1.0"
