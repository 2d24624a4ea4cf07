"""Records in and out of files: session log exports, session imports and their file handling.

`export` writes the JSON, CSV and HTML session logs of CONTRACT section 7; `importer` reads the
JSON format back, all or nothing. Plain Python: no Textual, no Typer.
"""
