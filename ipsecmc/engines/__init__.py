"""Engines decide properties over a ``TransitionSystem``; they never parse or print."""
