"""One group session, from start to signature: the live record and every rule that shapes it.

`lifecycle` starts, resumes and ends sessions and proposes the next topic; `agenda` is the pure,
clock-injected countdown; `attendance` is exactly-once check-in, statuses and service minutes;
`notes` keeps the group note and progress notes; `signing` locks a record and adds addenda;
`live` wraps all of these as the one object the live screen drives. Plain Python: no Textual.
"""
