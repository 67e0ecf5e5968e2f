"""Cross-column rules of the heat map (拜访热力图): conversions never exceed first visits, the
Wilson upper bound is never below the observed rate, only complete first-visit cells are
flagged."""

from __future__ import annotations

MODEL = "fct_sales_log_heat_map"


def prepare(frame):
    frame = frame.copy()
    cells = frame["first_visit_count"].notna()
    frame["unconverted_count"] = frame["first_visit_count"] - frame["converted_count"]
    frame["wilson_margin"] = frame["wilson_upper_bound"] - frame["conversion_rate"]
    frame["flag_on_complete_cell"] = ~frame["is_flagged_low_conversion"] | (
        cells & frame["is_window_complete"].fillna(False).astype(bool)
    )
    return frame


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
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
