"""The heat map (拜访热力图): conversions never exceed first visits, the Wilson upper bound is never
below the observed rate, only complete cells with at least heat_map_min_first_visits first visits
are flagged (blocking); the table is not empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_sales_log_heat_map"


def prepare(frame, rules):
    frame = frame.copy()
    cells = frame["first_visit_count"].notna()
    flagged = frame["is_flagged_low_conversion"].astype(bool)
    frame["unconverted_count"] = frame["first_visit_count"] - frame["converted_count"]
    frame["wilson_margin"] = frame["wilson_upper_bound"] - frame["conversion_rate"]
    frame["flag_on_complete_cell"] = ~flagged | (
        cells
        & frame["is_window_complete"].fillna(False).astype(bool)
        & (frame["first_visit_count"] >= rules.parameter("heat_map_min_first_visits"))
    )
    return frame


def invariants(rules) -> list:
    return [
        expect.between("log_count", min_value=1),
        expect.share("conversion_rate"),
        expect.between("unconverted_count", min_value=0),
        expect.between("wilson_margin", min_value=-1e-9),
        expect.holds("flag_on_complete_cell"),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]
