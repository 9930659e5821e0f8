"""curvegan: train small GANs that generate curves, from Python.

The library is curvegan's own (Rust, through the extension module ``curvegan._curvegan``):
``train`` writes the same run folder as ``curvegan train``, byte for byte, and ``load`` reads
any run folder as ``curvegan sample`` does.

>>> import curvegan
>>> run = curvegan.train(target="2*x**2+1", steps=10001, out="runs/a")
>>> x = run.sample(1000, seed=0)          # numpy float32 [1000, 15]
>>> run.metrics                           # pandas DataFrame, or a dict of numpy arrays
>>> run.evaluate(n=2000)                  # {"mse_to_target": ..., ...}

Settings are config keys (those of ``config.toml``) given as keyword arguments; a key of a
table has its dot written ``_`` (``optim_g_lr=2e-4`` sets ``optim_g.lr``), or ``config=`` takes
a dict of dotted keys or a config file. Errors are ``CurveganError`` (a ``ValueError``) with
curvegan's message.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

import numpy as np

from . import _curvegan
from ._curvegan import CurveganError

__all__ = ["train", "resume", "load", "Run", "CurveganError", "__version__"]
__version__ = _curvegan.__version__

PathLike = Union[str, "os.PathLike[str]"]
Callback = Callable[[int, Dict[str, float]], Any]


class Run:
    """A run folder and its generator.

    The generator is the one ``curvegan sample`` reads: a finished run's
    ``generator.safetensors``, else the last checkpoint of a stopped or running run, loaded
    when the ``Run`` is made (``curvegan.load`` again to see a newer checkpoint).
    """

    def __init__(self, core: "_curvegan.Run") -> None:
        self._core = core

    @property
    def path(self) -> Path:
        """The run folder."""
        return Path(self._core.path)

    @property
    def status(self) -> Optional[str]:
        """``running``, ``finished``, ``stopped``, ``early-stopped`` or ``failed``, as the
        folder's ``run.json`` says now (``None`` for a ``best/`` folder, which has none)."""
        return _curvegan.status(self._core.path)

    @property
    def checkpoint_step(self) -> Optional[int]:
        """The step of the checkpoint the generator was read from, or ``None`` for a finished
        run's final weights."""
        return self._core.checkpoint_step

    @property
    def config(self) -> Dict[str, Any]:
        """The run's settings, by config key, as its ``config.toml`` holds them."""
        return self._core.config

    @property
    def conditions(self) -> list:
        """The names of a conditional generator's conditions (empty otherwise)."""
        return self._core.conditions

    @property
    def x(self) -> np.ndarray:
        """The x values of a sample's points, float32 ``[points]``."""
        return np.asarray(self._core.x, dtype=np.float32)

    @property
    def summary(self) -> Optional[Dict[str, Any]]:
        """For a run trained by this process: ``steps``, ``us_per_step``, ``wall_s``,
        ``train_s``, ``stopped_early``, ``final_eval`` (and ``best_step``); else ``None``."""
        return self._core.summary

    def sample(self, n: int, seed: int = 0, **conditions: Any) -> np.ndarray:
        """``n`` samples drawn with noise from ``seed``: float32 ``[n, dim]`` in the data's
        units, the same numbers as ``curvegan sample RUN --n N --seed SEED``. A conditional
        generator takes every condition as a keyword (``run.sample(5, a=1.8)``), or none to
        draw them from the target's distribution."""
        pairs = [f"{name}={_condition_text(value)}" for name, value in conditions.items()]
        data, dim = self._core.sample(_count("n", n), _count("seed", seed), pairs)
        return np.frombuffer(data, dtype=np.float32).reshape(n, dim)

    def evaluate(self, n: int = 2000, seed: int = 0) -> Dict[str, float]:
        """Every metric that fits the target, with ``n`` generated and ``n`` real samples, as
        ``curvegan eval RUN --n N --seed SEED`` scores them: ``{metric: value}``."""
        return self._core.evaluate(_count("n", n), _count("seed", seed))

    @property
    def metrics(self) -> Any:
        """``metrics.csv`` (a row per step: ``step, d_loss, g_loss, d_real, d_fake``, then the
        evaluation metrics, NaN between evaluations): a pandas ``DataFrame`` when pandas is
        installed, else a dict of numpy float64 arrays by column (``step`` as int64)."""
        path = self.path / "metrics.csv"
        try:
            import pandas as pd
        except ImportError:
            return _read_metrics(path)
        return pd.read_csv(path)

    def __repr__(self) -> str:
        return f"curvegan.Run({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)


def train(
    target: Optional[Union[str, Mapping[str, Any]]] = None,
    steps: Optional[int] = None,
    out: Optional[PathLike] = None,
    *,
    config: Optional[Union[PathLike, Mapping[str, Any]]] = None,
    data: Optional[PathLike] = None,
    force: bool = False,
    name: Optional[str] = None,
    tags: Sequence[str] = (),
    callback: Optional[Callback] = None,
    every: Optional[int] = None,
    **keys: Any,
) -> Run:
    """Trains a GAN and returns its run; the run folder is the one ``curvegan train`` writes
    with the same settings, byte for byte (``run.json``'s times and command aside).

    - ``target``: ``quadratic`` (the tutorial's 2x² + 1), ``family``, ``ring8``, ``grid25``,
      or a formula in ``x`` (``"a*sin(b*x)"`` with ``target_params=["a=uniform(1,2)", ...]``);
      ``data``: a CSV, ``.npy`` or ``.ts`` file to learn instead, with the data defaults.
    - ``steps``, and any config key as a keyword: ``loss="wgan-gp"``, ``batch_size=128``,
      ``optim_g_lr=2e-4`` (``optim_g.lr``), ``target_points=30``.
    - ``config``: a config file (a run's ``config.toml``) or a dict of config keys
      (``{"optim_g.lr": 2e-4}``); the keywords apply on top of it.
    - ``out``: the run folder (default: a new ``runs/train-NNNN``); ``force`` replaces a
      run there; ``name`` and ``tags`` go to ``run.json``.
    - ``callback(step, stats)``: called after every ``every``-th step (default: the
      evaluation period, so ``stats`` holds the metrics) and the last, with ``d_loss``,
      ``g_loss``, ``d_real``, ``d_fake`` and the step's evaluation metrics. Returning
      ``False`` stops the run at a checkpoint (``run.status == "stopped"``; ``curvegan.resume``
      continues it); an exception it raises stops the run the same way, then propagates.

    Training releases the GIL. Ctrl-C (a notebook's interrupt) stops the run at a checkpoint
    and raises ``KeyboardInterrupt``. Bad settings raise ``CurveganError`` before anything is
    written.
    """
    pairs = []
    config_file = None
    if isinstance(config, Mapping):
        pairs.extend(config.items())
    elif config is not None:
        config_file = os.fspath(config)
    if steps is not None:
        pairs.append(("steps", steps))
    pairs.extend(keys.items())
    core = _curvegan.train(
        pairs,
        target=target,
        data=None if data is None else os.fspath(data),
        config=config_file,
        out=None if out is None else os.fspath(out),
        force=force,
        name=name,
        tags=list(tags),
        callback=callback,
        every=every,
    )
    return Run(core)


def resume(
    path: PathLike,
    steps: Optional[int] = None,
    *,
    callback: Optional[Callback] = None,
    every: Optional[int] = None,
) -> Run:
    """Continues the run in ``path`` from its checkpoint, as ``curvegan resume`` does (to
    ``steps`` in all; default its own), byte-identical to a run never stopped. The callback
    is ``train``'s."""
    core = _curvegan.resume(os.fspath(path), steps=steps, callback=callback, every=every)
    return Run(core)


def load(path: PathLike) -> Run:
    """The run in ``path`` (finished, stopped or running, or its ``best/``), with its
    generator: a finished run's final weights, else its last checkpoint."""
    return Run(_curvegan.load(os.fspath(path)))


def _count(name: str, value: Any) -> int:
    """``value`` as a non-negative int, else ``CurveganError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        error = CurveganError(f"invalid {name}: must be a non-negative integer, got {value!r}")
        error.key = name
        raise error
    return int(value)


def _condition_text(value: Any) -> str:
    """A condition's value as ``curvegan sample --condition NAME=VALUE`` writes it."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _read_metrics(path: Path) -> Dict[str, np.ndarray]:
    """``metrics.csv`` as a dict of numpy arrays by column, without pandas."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns: Dict[str, np.ndarray] = {}
    for i, column in enumerate(header):
        values = [row[i] if i < len(row) else "" for row in body]
        if column == "step":
            columns[column] = np.array([int(v) for v in values], dtype=np.int64)
        else:
            columns[column] = np.array([float(v) if v else np.nan for v in values])
    return columns
