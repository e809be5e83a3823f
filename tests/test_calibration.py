import math
import random

import pytest

from spacy_aioner.calibration import calibrate, expected_calibration_error, fit_platt, logit


def overconfident(n=2000, seed=0):
    """Scores near 1 for everything, right with a chance that rises with the score's logit."""
    rng = random.Random(seed)
    scores, correct = [], []
    for _ in range(n):
        z = rng.gauss(4.0, 2.0)
        score = 1 / (1 + math.exp(-z))
        scores.append(score)
        correct.append(rng.random() < 1 / (1 + math.exp(-(0.5 * z - 1.0))))
    return scores, correct


def test_platt_map_lowers_the_calibration_error_and_keeps_the_order():
    scores, correct = overconfident()
    a, b = fit_platt(scores, correct)
    assert a == pytest.approx(0.5, abs=0.1) and b == pytest.approx(-1.0, abs=0.25)
    calibrated = [calibrate(s, "Gene", {"Gene": (a, b)}) for s in scores]
    assert all(0.0 <= c <= 1.0 for c in calibrated)
    assert sorted(range(len(scores)), key=scores.__getitem__) == sorted(range(len(scores)), key=calibrated.__getitem__)
    assert expected_calibration_error(scores, correct) > 0.15
    assert expected_calibration_error(calibrated, correct) < 0.05


def test_degenerate_data_gives_the_identity_and_unknown_types_pass_through():
    assert fit_platt([0.9, 0.8], [True, True]) == (1.0, 0.0)
    assert calibrate(0.7, "Gene", {"Gene": (1.0, 0.0)}) == pytest.approx(0.7)
    assert calibrate(0.7, "Disease", {"Gene": (2.0, 1.0)}) == 0.7
    assert math.isnan(calibrate(float("nan"), "Gene", {"Gene": (2.0, 1.0)}))
    assert logit(1.0) < 20 and logit(0.0) > -20


def test_the_pipe_applies_and_keeps_its_calibration(trained_pipeline):
    nlp = trained_pipeline
    pipe = nlp.get_pipe("aioner")
    text = "BRCA1 mutation causes breast cancer in human patients."
    raw = nlp(text).spans["aioner"].attrs["scores"]
    pipe.set_calibration({label: (0.5, -1.0) for label in ("Gene", "Disease", "Species")})
    doc = nlp(text)
    group = doc.spans["aioner"]
    assert group.attrs["raw_scores"] == raw
    assert group.attrs["scores"] == [calibrate(s, span.label_, pipe.calibration) for s, span in zip(raw, group)]
    restored = nlp.get_pipe("aioner").from_bytes(pipe.to_bytes())
    assert restored.calibration == {label: (0.5, -1.0) for label in ("Gene", "Disease", "Species")}
    with pytest.raises(ValueError, match="unknown types"):
        pipe.set_calibration({"Protein": (1.0, 0.0)})
    pipe.set_calibration({})
