"""Random but word-realistic text in many languages, from wordfreq's frequency lists.

The teacher only needs plausible phoneme sequences and prosody, not meaning, so sentences
are word sequences drawn from a language's most frequent words (`wordfreq.top_n_list`).
Ranks are sampled with a Zipf-like law p(r) ~ (r + r0)^-s: function words recur as in real
speech while the long tail keeps the phoneme inventory varied. Clauses of a few words end
in "," / "." / "?" / "!" so eSpeak produces phrase-final lengthening, pauses and question
intonation, which drive the teacher's blinks, nods and brow raises.
"""
from __future__ import annotations

from dataclasses import dataclass
import unicodedata
from functools import lru_cache

import numpy as np

_KANA = {"HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}  # eSpeak's Japanese reads only kana
_NO_SPACES = {"zh", "ja"}  # scripts written without spaces between words
_FULL_WIDTH = {",": "\uFF0C", ".": "\u3002", "?": "\uFF1F", "!": "\uFF01"}


@dataclass(frozen=True)
class TextConfig:
    """How sentences are drawn. Word counts are per utterance."""

    vocabulary: int = 3000  # top-n words of the language
    zipf_exponent: float = 0.9  # s in p(r) ~ (r + r0)^-s
    zipf_offset: float = 8.0  # r0: flattens the head so "the the of" stays rare
    clause_words: tuple[int, int] = (2, 9)  # words per clause, inclusive range
    # clause end punctuation and its probability
    punctuation: tuple[tuple[str, float], ...] = ((",", 0.35), (".", 0.4), ("?", 0.15),
                                                  ("!", 0.1))


def _script(ch: str) -> str:
    """Unicode script of a letter or mark, from its name ("DEVANAGARI VOWEL SIGN E")."""
    return unicodedata.name(ch, "UNKNOWN").split()[0]


def _speakable(word: str, scripts: set[str]) -> bool:
    """Letters and combining marks (Indic vowel signs) of the language's own script only.

    Frequency lists hold foreign words ("news" in Hindi); eSpeak would switch to English
    for them, and Japanese kanji it would spell out as English character names.
    """
    return all(unicodedata.category(ch)[0] in "LM" and _script(ch) in scripts for ch in word)


@lru_cache(maxsize=64)
def vocabulary(language: str, size: int = 3000) -> tuple[str, ...]:
    """The language's `size` most frequent speakable words, most frequent first."""
    import wordfreq

    words = wordfreq.top_n_list(language, size)
    if language == "ja":
        scripts = _KANA
    else:  # the script of most words' first letter
        firsts = [_script(w[0]) for w in words if w and w[0].isalpha()]
        scripts = {max(set(firsts), key=firsts.count)} if firsts else set()
    words = [w for w in words if w and _speakable(w, scripts)]
    if language == "el":  # wordfreq folds final sigma; restore it so eSpeak reads it right
        words = [w[:-1] + "\u03C2" if w.endswith("\u03C3") else w for w in words]
    if not words:
        raise ValueError(f"wordfreq has no words for language {language!r}")
    return tuple(words)


def random_text(language: str, rng: np.random.Generator, words: int,
                config: TextConfig = TextConfig()) -> str:
    """About `words` words of `language` in punctuated clauses; always ends a sentence."""
    vocab = vocabulary(language, config.vocabulary)
    ranks = np.arange(len(vocab))
    p = (ranks + config.zipf_offset) ** -config.zipf_exponent
    marks = [m for m, _ in config.punctuation]
    mark_p = np.array([q for _, q in config.punctuation])
    end_p = np.where(np.array(marks) == ",", 0.0, mark_p)  # the last clause ends a sentence
    sep = "" if language in _NO_SPACES else " "
    clauses, left = [], max(1, words)
    while left > 0:
        n = min(left, int(rng.integers(config.clause_words[0], config.clause_words[1] + 1)))
        left -= n
        chosen = rng.choice(len(vocab), size=n, p=p / p.sum())
        q = mark_p if left > 0 else end_p
        mark = marks[rng.choice(len(marks), p=q / q.sum())]
        clauses.append((sep.join(vocab[i] for i in chosen), mark))
    return _join(clauses, language)


def _join(clauses: list[tuple[str, str]], language: str) -> str:
    """Clauses -> text with capitalised sentence starts (where the script has case)."""
    parts, new_sentence = [], True
    for clause, mark in clauses:
        if new_sentence:
            clause = clause[:1].upper() + clause[1:]
        if language in _NO_SPACES:
            parts.append(clause + _FULL_WIDTH[mark])
        else:
            parts.append(clause + mark + " ")
        new_sentence = mark != ","
    return "".join(parts).strip()
