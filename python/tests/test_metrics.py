"""run.metrics: a pandas DataFrame, or without pandas a dict of numpy arrays with the same
numbers."""

import sys

import numpy as np

import curvegan


def test_metrics_with_and_without_pandas(monkeypatch):
    run = curvegan.train(steps=250, eval_every=100, plot_every=0, out="a")
    frame = run.metrics
    assert list(frame.columns) == ["step", "d_loss", "g_loss", "d_real", "d_fake",
                                   "mse_to_target"]
    assert len(frame) == 250 and frame["mse_to_target"].notna().sum() == 4
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    arrays = run.metrics
    assert isinstance(arrays, dict) and list(arrays) == list(frame.columns)
    assert arrays["step"].dtype == np.int64
    for column in frame.columns:
        np.testing.assert_array_equal(arrays[column], frame[column].to_numpy())
