"""Which audio features transfer from the synthetic corpus to real voices? As JSON.

    python benchmarks/feature_transfer.py [--corpus /work/corpus2] [--seed 0]

A domain classifier tells synthetic speech frames (the corpus' cached features, eSpeak NG
voices) from real ones (every shared speech file and real video); its cross-validated ROC
AUC per feature group measures that group's synthetic-to-real gap: 0.5 = the classifier
cannot tell them apart (the group transfers), 1.0 = always can. Speech frames only (level
above -1.5 bels from the running speech level), as many synthetic frames as real ones,
5-fold shuffled stratified CV, a linear model and boosted trees (scikit-learn).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from vasa_core.audio import FEATURE_DIM, features, load_audio
from vasa_core.audio.features import LEVEL, MEL_MEAN, MEL_SLOPE, PITCH, VOICING

ASSETS = Path(__file__).resolve().parents[2] / "shared" / "assets"
GROUPS = {"log-mel means": MEL_MEAN, "log-mel slopes": MEL_SLOPE, "level": [LEVEL],
          "voicing": [VOICING], "pitch": [PITCH], "all": slice(None)}
SPEECH_BELS = -1.5


def frames(corpus: Path, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (2N, F), y (2N,)): N real speech frames (y = 1) and N synthetic ones (y = 0)."""
    cached = sorted((corpus / f"features-{FEATURE_DIM}").glob("*.safetensors"))
    if not cached:
        raise SystemExit(f"no cached features in {corpus}; run the trainer on it once")
    synthetic = np.concatenate([np.concatenate(list(load_file(str(p)).values())) for p in cached])
    sources = sorted((ASSETS / "speech").glob("*.wav")) + sorted((ASSETS / "videos").glob("*.mp4"))
    real = np.concatenate([features(load_audio(p)) for p in sources])
    synthetic, real = (x[x[:, LEVEL] > SPEECH_BELS] for x in (synthetic, real))
    pick = np.random.default_rng(seed).choice(len(synthetic), len(real), replace=False)
    return np.concatenate([synthetic[pick], real]), np.r_[np.zeros(len(real)), np.ones(len(real))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("/work/corpus2"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    x, y = frames(args.corpus, args.seed)
    cv = StratifiedKFold(5, shuffle=True, random_state=args.seed)
    auc = {}
    for name, columns in GROUPS.items():
        models = {"linear": LogisticRegression(max_iter=2000),
                  "boosted_trees": HistGradientBoostingClassifier(max_iter=100)}
        auc[name] = {kind: round(float(cross_val_score(model, x[:, columns], y, cv=cv,
                                                       scoring="roc_auc").mean()), 3)
                     for kind, model in models.items()}
    print(json.dumps({"frames_per_side": int(y.sum()), "auc": auc}, indent=2))


if __name__ == "__main__":
    main()
