"""movedesk: a market-move news desk.

Detect unusual moves of a company across its listings, gather and read the news around them, explain
the move with cited evidence and verified numbers, and publish briefs.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger("movedesk").addHandler(logging.NullHandler())

__all__ = ["__version__"]
