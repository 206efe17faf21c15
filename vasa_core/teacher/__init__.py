"""The teacher: rules that turn timed phonemes and prosody into talking-face motion.

The training corpus is written by these rules (`rules.teach`), and at run time the lip
reader (`motion.lips`) and blinks (`motion.blinks`) use the same mouth and eye rules.

    visemes.py         eSpeak phoneme mnemonics -> 16 viseme classes and mouth targets
    coarticulation.py  viseme segments -> mouth coefficients (dominance blending, lead)
    prosody.py         level, F0, pauses, accents, question rises on the frame grid
    head.py, eyes.py   head sway and nods; blinks, fixations and saccades
    emotion.py         emotions as expression, posture and energy offsets
    rules.py           all of the above -> (Motion, Labels) for one utterance
"""
