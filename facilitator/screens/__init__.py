"""Screens of the facilitator TUI, one per module."""
