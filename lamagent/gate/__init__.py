"""A call gate for auto mode: draft a call list, judge it, keep it or answer in text.

    from lamagent.gate import CallGate
    agent = Agent(tools=[...], gate=CallGate.load("gate.json"))

See docs/small-models.md.
"""

from lamagent.gate.policy import SIGNALS, CallGate, GateDecision
from lamagent.gate.signals import GateSignals, measure
from lamagent.gate.turns import GatedModelTurn, GatedTurns, gated

__all__ = [
    "SIGNALS",
    "CallGate",
    "GateDecision",
    "GateSignals",
    "GatedModelTurn",
    "GatedTurns",
    "gated",
    "measure",
]
