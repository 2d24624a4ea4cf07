"""Widgets of the facilitator TUI: views that report upward through messages."""
