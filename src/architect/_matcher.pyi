"""Type stub for the compiled matcher (native/_matcher.pyx)."""

from architect.routing.decisions import Decisions
from architect.routing.state import MatcherState

def match(state: MatcherState, now_ms: int) -> Decisions:
    """One pass at ``now_ms``; same contract as ``architect.routing.matcher_py.match``."""

def prepare(state: MatcherState) -> None:
    """Bring the state's compiled index up to date (a pass does it first anyway)."""

def set_per_sig_limit(limit: int) -> int:
    """Set how many signatures may have their own streams (0: always share); returns the old."""
