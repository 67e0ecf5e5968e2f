"""Rules on the meeting-system extract: meetings end after they start, within half a day."""

SOURCE = ("meetings", "meetings")


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="end_at", column_B="start_at", or_equal=True
        ),
        # health indicator H1 reads durations: a meeting over 12 hours is a clock or export error
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="duration_minutes", min_value=0, max_value=720, mostly=0.999
        ),
    ]


def prepare(frame):
    frame = frame.copy()
    frame["duration_minutes"] = (frame["end_at"] - frame["start_at"]).dt.total_seconds() / 60
    return frame
