"""The metrics against a small example worked out by hand."""

import numpy as np
import pytest

from edge_train.metrics import confusion_matrix, report


def test_confusion_matrix_rows_are_truth():
    cm = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1], classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_report_matches_hand_computation():
    # truth 0,0,1,2 ; predicted 0,1,1,1 (3 classes)
    probabilities = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3]])
    r = report(np.array([0, 0, 1, 2]), probabilities)
    assert r["accuracy"] == pytest.approx(0.5)
    # class 0: precision 1/1, recall 1/2, F1 2/3; class 1: precision 1/3, recall 1/1, F1 1/2; class 2: all 0
    assert r["per_class"]["0"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert r["per_class"]["1"]["precision"] == pytest.approx(1 / 3) and r["per_class"]["1"]["f1"] == pytest.approx(0.5)
    assert r["per_class"]["2"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["macro_avg"]["f1"] == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert r["weighted_avg"]["recall"] == pytest.approx((2 * 0.5 + 1 * 1 + 1 * 0) / 4)
    assert r["loss"] == pytest.approx(-np.mean(np.log([0.8, 0.4, 0.7, 0.3])))
    assert r["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
