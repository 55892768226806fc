"""ipsecmc: a model checker for IPsec tunnel state.

The pipeline runs in one direction: FortiOS text -> syntax tree -> GatewayConfig
-> Scenario -> TransitionSystem -> engine x Property -> Verdict -> rendered output.

The stable Python interface is ``ipsecmc.api`` (``from ipsecmc import api``).
"""

__version__ = "0.1.0"
