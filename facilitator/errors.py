"""Errors the user can act on; the CLI prints them as one line and exits 1."""


class UserError(Exception):
    """A problem with the user's input or data, shown without a traceback."""


class ManyErrors(UserError):
    """Several problems found at once, one line each (e.g. every bad CSV row)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
