"""Routing: rule compilation, matching, explanation."""
