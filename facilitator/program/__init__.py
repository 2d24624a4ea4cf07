"""The program a session lead runs: groups, their members over time, and check-in codes.

`groups` creates and finds groups and their settings; `roster` holds who is a member of a group;
`codes` makes and matches personal check-in codes; `badges` prints the cards that carry them (the
sheet from `templates/`). Plain Python: no Textual.
"""
