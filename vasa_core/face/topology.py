"""Named landmark groups of the MediaPipe face mesh with iris (478 points).

"Left" and "Right" are the subject's, as in ARKit: the subject's left eye appears on the
image's right. Contours are ordered from the outer (temporal) corner to the inner one,
or from the right mouth corner (61) to the left one (291).
"""
from __future__ import annotations

import numpy as np

# Eyes: upper and lower lid contours, outer corner -> inner corner.
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)

# Iris: centre then four rim points.
RIGHT_IRIS = (468, 469, 470, 471, 472)
LEFT_IRIS = (473, 474, 475, 476, 477)
IRIS = RIGHT_IRIS + LEFT_IRIS

# Lips, right corner -> left corner.
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291)  # right, left
# The inner lips as one closed contour (the opening between them), right corner first.
LIPS_INNER = LIPS_INNER_UPPER + LIPS_INNER_LOWER[::-1][1:-1]

RIGHT_BROW = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)  # outer -> inner, upper then lower
LEFT_BROW = (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)

# Face outline, clockwise from the forehead top (10).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379,
             378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162,
             21, 54, 103, 67, 109)

# The mesh's points next to the outline (its neighbours in MediaPipe's face tessellation,
# FACEMESH_TESSELATION; tests/test_render.py checks this against it).
OUTLINE_RING = (34, 68, 69, 71, 104, 108, 135, 137, 138, 139, 140, 151, 169, 170, 171, 175,
                177, 215, 227, 264, 298, 299, 301, 333, 337, 364, 366, 367, 368, 369, 394,
                395, 396, 401, 435, 447)

EYE_OUTER_CORNERS = (33, 263)  # right, left: their distance is the face's scale everywhere
NOSE_TIP = 1
NOSE_BASE = 2  # below the tip, where the upper lip begins: moves with the skull
CHIN = 152
LOWER_LIP_MIDDLE = 14  # the lower lip's inner edge, at the middle
FOREHEAD = 10
CHEEK_RIGHT, CHEEK_LEFT = 234, 454  # outline extremes; their distance is the face width
NOSE_WING_RIGHT, NOSE_WING_LEFT = 129, 358

# Points that move little with expression: forehead, temples, nose bridge, cheekbones and
# the outer eye corners. Pose is fitted on these (Procrustes), so a smile or an open jaw
# does not read as head motion.
RIGID = (10, 338, 297, 332, 109, 67, 103, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1,
         127, 356, 234, 454, 93, 323, 33, 263, 133, 362, 130, 359, 226, 446,
         116, 345, 123, 352, 117, 346, 50, 280, 36, 266, 142, 371, 47, 277)


def eye_distance(points: np.ndarray) -> float:
    """Distance between the outer eye corners of landmarks `points` (478, 2+), px."""
    right, left = EYE_OUTER_CORNERS
    return float(np.linalg.norm(points[right] - points[left]))


def opening_ratio(points: np.ndarray) -> float:
    """Inner-lip gap (its middle three point pairs) over the outer-eye-corner distance of
    one face's (478, 2) landmarks: the mouth opening every pixel measure uses, and the
    renderer's bound on a fully open jaw (render/geometry.py, JAW_WIDEST_GAP)."""
    upper, lower = list(LIPS_INNER_UPPER[4:7]), list(LIPS_INNER_LOWER[4:7])
    gap = np.linalg.norm(points[lower] - points[upper], axis=1).mean()
    return float(gap / max(eye_distance(points), 1e-6))


def lid_pairs(side: str) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower lid contours of one eye ('left' or 'right'), as index arrays (9,)."""
    if side == "left":
        return np.array(LEFT_EYE_UPPER), np.array(LEFT_EYE_LOWER)
    return np.array(RIGHT_EYE_UPPER), np.array(RIGHT_EYE_LOWER)
