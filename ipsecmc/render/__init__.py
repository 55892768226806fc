"""Renderers turn check results into text for people and JSON for programs."""
