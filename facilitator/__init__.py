"""facilitator: run live IOP group sessions from a laptop."""

__version__ = "0.1.0"
