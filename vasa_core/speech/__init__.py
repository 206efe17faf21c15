"""Synthetic speech with exact phoneme timing: the training data's voices, and the web
app's typed text.

    text.py      word-frequency sentences in many languages (wordfreq)
    tts.py       eSpeak NG through ctypes: waveform + phoneme/word timing (Utterance)
    festival.py  a second, unrelated synthesiser (Festival) for held-out voices
    singing.py   sung clips from a source-filter synthesiser, labelled the same way
    song.py      the web app's example song (Daisy Bell, by Festival or singing.py)
    signals.py   smooth noise, envelopes and bumps shared by the synthesisers (speech
                 here, motion in teacher/)

Submodules are imported on use; nothing here loads eSpeak.
"""
