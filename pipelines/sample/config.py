"""Generator arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Config:
    seed: int = 42
    scale: float = 1.0
    start: date = date(2025, 11, 1)
    end: date = date(2026, 10, 31)
    out: Path = Path("var/landing")
    defect_rate: float = 0.01
    file_defects: bool = False

    def as_json(self) -> dict:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "defect_rate": self.defect_rate,
            "file_defects": self.file_defects,
        }
