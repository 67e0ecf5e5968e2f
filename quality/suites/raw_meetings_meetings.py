"""The meeting-system extract (warnings): meetings end after they start, within a plausible
length."""

SOURCE = ("meetings", "meetings")


def expectations(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="end_at", column_B="start_at", or_equal=True
        ),
        # health indicator H1 reads durations: a very long meeting is a clock or export error
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="duration_minutes",
            min_value=0,
            max_value=rules.expectation("max_meeting_minutes"),
            mostly=rules.expectation("min_share_within_meeting_minutes"),
        ),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["duration_minutes"] = (frame["end_at"] - frame["start_at"]).dt.total_seconds() / 60
    return frame
