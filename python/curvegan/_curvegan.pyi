"""Type stubs of the extension module curvegan._curvegan (crates/curvegan-py), which the
package `curvegan` wraps; use `curvegan.train`, `curvegan.load` and `curvegan.Run`."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__version__: str

class CurveganError(ValueError):
    """An error of curvegan with the library's message; `key` is the config key it names."""

    key: Optional[str]

class Run:
    @property
    def path(self) -> str: ...
    @property
    def checkpoint_step(self) -> Optional[int]: ...
    @property
    def config(self) -> Dict[str, Any]: ...
    @property
    def conditions(self) -> List[str]: ...
    @property
    def x(self) -> List[float]: ...
    @property
    def summary(self) -> Optional[Dict[str, Any]]: ...
    def sample(self, n: int, seed: int, conditions: Sequence[str]) -> Tuple[bytearray, int]: ...
    def evaluate(self, n: int, seed: int) -> Dict[str, float]: ...

def train(
    keys: Sequence[Tuple[str, Any]],
    *,
    target: Any = None,
    data: Optional[str] = None,
    config: Optional[str] = None,
    out: Optional[str] = None,
    force: bool = False,
    name: Optional[str] = None,
    tags: Sequence[str] = (),
    callback: Optional[Callable[[int, Dict[str, float]], Any]] = None,
    every: Optional[int] = None,
) -> Run: ...
def resume(
    path: str,
    *,
    steps: Optional[int] = None,
    callback: Optional[Callable[[int, Dict[str, float]], Any]] = None,
    every: Optional[int] = None,
) -> Run: ...
def load(path: str) -> Run: ...
def status(path: str) -> Optional[str]: ...
def defaults() -> Dict[str, Any]: ...
