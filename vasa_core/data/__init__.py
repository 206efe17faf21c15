"""Synthetic training data: speech with exact phoneme timing -> teacher Motion -> shards.

    text.py            word-frequency sentences in many languages (wordfreq)
    tts.py             eSpeak NG through ctypes: waveform + phoneme/word timing (Utterance)
    singing.py         sung clips from a source-filter synthesiser, labelled the same way
    visemes.py         eSpeak phoneme mnemonics -> 16 viseme classes and mouth targets
    coarticulation.py  viseme segments -> mouth coefficients (dominance blending, lead)
    prosody.py         level, F0, pauses, accents, question rises on the frame grid
    head.py, eyes.py   head sway and nods; blinks, fixations and saccades
    emotion.py         emotions as expression, posture and energy offsets
    teacher.py         all of the above -> (Motion, Labels) for one utterance
    augment.py         noise, reverb, EQ, band limits, gain
    corpus.py          build_corpus / load_corpus: reproducible safetensors shards
    extract.py         extract_corpus: real talking-face videos -> shards of the same layout

Submodules are imported on use; nothing here loads eSpeak.
"""
