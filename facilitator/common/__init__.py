"""Small primitives every part of facilitator uses, owning no records of their own.

Text made safe for a terminal and for spreadsheets (`text`), the pydantic validators the file
formats share (`validators`), time in UTC and in a group's zone (`timeutil`), clocks that survive
a suspend (`clock`) and QR matrices for screens and paper (`qr`). Plain Python: no Textual, no
database.
"""
