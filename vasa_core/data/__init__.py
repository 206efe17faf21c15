"""Training data: synthetic speech labelled by the teacher, or real videos, as shards.

    augment.py  noise, reverb, EQ, band limits, gain
    corpus.py   build_corpus / load_corpus: reproducible safetensors shards
    extract.py  extract_corpus: real talking-face videos -> shards of the same layout

Submodules are imported on use; nothing here loads eSpeak.
"""
