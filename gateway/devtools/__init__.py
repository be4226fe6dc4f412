"""Development and demo only: seeded users and synthetic audit patterns.

No production module imports this package (an import contract checks it); the composition
root (``gateway.app``) wires it in only when the development identity provider is enabled.
"""
