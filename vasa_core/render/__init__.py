"""Renderer: a FaceLatent animated by a Motion -> video frames."""
from .renderer import Renderer, face_canvas

__all__ = ["Renderer", "face_canvas"]
