"""What the records add up to: attendance figures, outreach, weekly hours and session history.

`figures` computes the attendance report of CONTRACT section 6 and a member's history; `history`
lists past sessions with their counts. Everything is computed from SQL aggregates. Plain Python:
no Textual.
"""
