"""Every output is marked as AI-generated, in one place.

    stamp.py      `stamp(frames, visible)`: the one function every frame writer goes through
    mark.py       the visible "AI-generated" label
    watermark.py  the invisible watermark, and `detect` for frames and files
"""
