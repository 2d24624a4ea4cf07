"""What the records add up to, computed from SQL aggregates in plain Python (no Textual).

`due` finds the ended sessions each member was due at and buckets their service minutes by day and
ISO week; `attendance` builds a group's attendance report of CONTRACT section 6 over a date range,
and `output` writes it as JSON or CSV and sums it up in one line; `outreach` picks the members to
reach out to; `member` gives one member's weekly hours, session history and topics covered; and
`history` lists past sessions with their attendance counts.
"""
