"""minami-kg: a knowledge graph of a ward office's annual operating policy (区運営方針)."""

__version__ = "0.1.0"
