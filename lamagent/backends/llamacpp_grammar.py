"""Moved to `lamagent.backends.llamacpp.grammar`; this name is kept for existing imports."""

from lamagent.backends.llamacpp.grammar import constraint_to_gbnf, schema_to_gbnf

__all__ = ["constraint_to_gbnf", "schema_to_gbnf"]
