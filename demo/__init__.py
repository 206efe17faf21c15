"""The Gradio web app of vasa_core: `python app.py`, or `demo.ui.build_app(pipeline)`.

The app only maps widgets to `TalkingFacePipeline` arguments; everything it shows comes
from the pipeline's public API (see `demo.handlers`).
"""
