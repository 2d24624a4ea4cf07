"""Curriculum files (CONTRACT section 3): the TOML format, its strict checks, and where files live.

`model` holds the format's pydantic models, `problems` turns what is wrong with a file into plain
`FILE:LINE` lines, `loading` reads and checks one file, and `catalog` discovers the shipped and
user curricula and resolves one by id or path. The shipped files themselves live in
`facilitator/curricula/`. Plain Python: no Textual.
"""
