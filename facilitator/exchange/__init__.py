"""Records in and out of files: session log exports, session imports and roster CSV imports.

`export` writes the JSON, CSV and HTML session logs of CONTRACT section 7; `importer` reads the
JSON format back, all or nothing; `roster_csv` imports a group's members from a CSV file, all or
nothing. Plain Python: no Textual, no Typer.
"""
