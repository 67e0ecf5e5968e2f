"""The meeting-system extract (warnings): meetings end after they start, within a plausible
length."""

from quality import expect

SOURCE = ("meetings", "meetings")


def expectations(rules) -> list:
    return [
        expect.not_empty(),
        expect.at_least("end_at", "start_at"),
        # health indicator H1 reads durations: a very long meeting is a clock or export error
        expect.between(
            "duration_minutes",
            0,
            rules.expectation("max_meeting_minutes"),
            mostly=rules.expectation("min_share_within_meeting_minutes"),
        ),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["duration_minutes"] = (frame["end_at"] - frame["start_at"]).dt.total_seconds() / 60
    return frame
