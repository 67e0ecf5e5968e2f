"""Deterministic sample company for Lastmile: a landing tree as the source systems export it.

Run ``python -m pipelines.sample --seed 42 --scale 1 --out var/landing``; see ``__main__.py``.
"""

from .config import Config
from .generate import generate

__all__ = ["Config", "generate"]
