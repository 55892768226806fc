"""FortiOS CLI configuration reader: lexer -> parser (syntax tree) -> resolver (GatewayConfig).

Public entry points: :func:`ipsecmc.fortios.resolver.read_gateways` and
:func:`ipsecmc.fortios.resolver.read_text`.
"""
