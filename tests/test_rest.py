"""A portrait's rest state: the photo is reproduced, and every relative coefficient
(brows, lids, smile, ...) starts at 0 so that a command has its whole range."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import portrait_params
from vasa_core.face import detect_and_fit
from vasa_core.face.basis import expression_basis, gaze_offsets
from vasa_core.face.fit import rest_from_fit
from vasa_core.latent import ARTICULATION, EXPRESSION_NAMES, RELATIVE
from vasa_core.io.media import load_image

RELATIVE_IDX = [EXPRESSION_NAMES.index(n) for n in RELATIVE]
ARTICULATION_IDX = [EXPRESSION_NAMES.index(n) for n in ARTICULATION]


@pytest.mark.parametrize("path", portrait_params())
def test_rest_reproduces_the_photo_with_free_relative_coefficients(path):
    fit = detect_and_fit(load_image(path))[0]
    identity, expression0 = rest_from_fit(fit)
    assert np.all(expression0[RELATIVE_IDX] == 0.0)
    np.testing.assert_array_equal(expression0[ARTICULATION_IDX], fit.expression[ARTICULATION_IDX])
    shape = (identity + np.einsum("k,kvc->vc", expression0, expression_basis())
             + gaze_offsets(fit.gaze))
    np.testing.assert_allclose(shape, fit.observed, atol=1e-5)


def test_groups_partition_the_expression():
    assert sorted(RELATIVE + ARTICULATION) == sorted(EXPRESSION_NAMES)
    assert not set(RELATIVE) & set(ARTICULATION)
    assert {"eyeBlinkLeft", "eyeBlinkRight", "browDownLeft", "mouthSmileLeft"} <= set(RELATIVE)
    assert {"jawOpen", "mouthClose"} <= set(ARTICULATION)
