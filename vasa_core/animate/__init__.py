"""Motion for one portrait: the generator's motion mapped onto the portrait's own frame.

    retarget.py  model motion -> the portrait's pose, expression and gaze (+ controls)
    tour.py      scripted motion (the `vasa animate` tour and the notebooks' sweeps)
"""
