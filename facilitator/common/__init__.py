"""Small primitives every part of facilitator uses, owning no records of their own.

Text made safe for a terminal and for spreadsheets (`text`), the pydantic validators the file
formats share (`validators`), time in UTC and in a group's zone (`timeutil`), clocks that survive
a suspend (`clock`), QR matrices for screens and paper (`qr`), the one reader of users' files and
the one atomic writer (`files`) and the Jinja2 environment every HTML page comes from
(`templates`). Plain Python: no Textual, no database.
"""
