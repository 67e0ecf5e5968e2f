"""One small defective company per session (scale 0.15, every defect kind, file defects on)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.sample import Config, generate

ARGS = {"seed": 11, "scale": 0.15, "start": date(2025, 11, 1), "end": date(2026, 10, 31)}


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "landing"
    generate(Config(**ARGS, out=out, defect_rate=0.02, file_defects=True))
    return out


@pytest.fixture(scope="session")
def manifest(landing) -> dict:
    return json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def story(landing) -> dict:
    return json.loads((landing / "_truth" / "story.json").read_text(encoding="utf-8"))
