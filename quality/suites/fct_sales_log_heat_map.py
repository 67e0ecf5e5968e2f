"""The heat map (拜访热力图): conversions never exceed first visits, the Wilson upper bound is never
below the observed rate, only complete cells with at least heat_map_min_first_visits first visits
are flagged (blocking); the table is not empty (warning)."""

from __future__ import annotations

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
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="log_count", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="conversion_rate", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="unconverted_count", min_value=0),
        gx.expectations.ExpectColumnValuesToBeBetween(column="wilson_margin", min_value=-1e-9),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="flag_on_complete_cell", value_set=[True]
        ),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
