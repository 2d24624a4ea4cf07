"""HTML pages from Jinja2 templates: the one place an Environment is made, autoescaping on.

Every page the product makes (the phone check-in pages, the printed session log, the badge
sheet) is a template in its package's `templates/` folder. Values are escaped by Jinja2, never by
hand; a missing value is an error, not an empty string.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def _blank_none(value: Any) -> Any:
    """What a template prints for a value: nothing at all for None."""
    return "" if value is None else value


def environment(package: str) -> Environment:
    """The templates of `package` (its `templates/` folder), escaped, loaded once, None blank."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_blank_none,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
