"""The README's Python examples run as written (in a temporary working folder)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from vasa_core.pipeline import DEFAULT_CHECKPOINT

README = Path(__file__).resolve().parents[1] / "README.md"


def python_section_blocks() -> list[str]:
    """The ```python blocks between '### Python' and the next heading of level 1-3."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^### Python\n(.*?)(?=^#{1,3} )", text, re.S | re.M)
    assert section, "README.md has no '### Python' section"
    return re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)


def test_the_python_section_has_the_pipeline_example():
    blocks = python_section_blocks()
    assert len(blocks) >= 2
    assert any("TalkingFacePipeline.from_pretrained()" in block for block in blocks)


@pytest.mark.skipif(not (DEFAULT_CHECKPOINT / "model.safetensors").is_file(),
                    reason="the shipped checkpoint checkpoints/vasa-motion-s is not here")
def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for number, block in enumerate(python_section_blocks(), start=1):
        exec(compile(block, f"README.md python block {number}", "exec"), namespace)
    assert (tmp_path / "outputs" / "tour.mp4").stat().st_size > 0
    assert (tmp_path / "talk.mp4").stat().st_size > 0
    assert namespace["out"].frames.shape[1:] == (256, 256, 3)


def test_user_docs_stay_short_and_their_links_resolve():
    """README at most 10 KB and the model card at most 12 KB (the experiment log lives in
    docs/experiments.md); every relative link in them points at a file in the repo."""
    card = README.parent / "checkpoints" / "vasa-motion-s" / "MODEL_CARD.md"
    assert README.stat().st_size <= 10 * 1024 and card.stat().st_size <= 12 * 1024
    for doc in (README, card):
        for target in re.findall(r"\]\(([^)#]+)\)", doc.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (doc.parent / target).exists(), f"{doc.name} links to {target}"
