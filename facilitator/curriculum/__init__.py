"""Curriculum files (CONTRACT section 3): the TOML format, its strict checks, and where files live.

`files` holds the format's models, the line-numbered validation and discovery of shipped and user
curricula. The shipped files themselves live in `facilitator/curricula/`. Plain Python: no
Textual.
"""
