"""Chat Pak Polisi knowledge base: sourced, dated data + query functions (leaf package).

    from knowledge import load_kb, KnowledgeError
    kb = load_kb()
"""
from . import format  # noqa: F401  (knowledge.format)
from .format import DISCLAIMER, caveat, format_entry, format_pasal, format_rupiah  # noqa: F401
from .loader import KnowledgeError, clear_cache  # noqa: F401
from .query import KnowledgeBase, load_kb, parse_pasal_number  # noqa: F401

__all__ = [
    "load_kb", "KnowledgeBase", "KnowledgeError", "clear_cache", "parse_pasal_number",
    "format", "format_rupiah", "format_pasal", "format_entry", "caveat", "DISCLAIMER",
]
