"""Development and demo only: seeded users and synthetic audit patterns.

No production module imports this package (an import contract checks it). The composition
root (``gateway.app``) imports it lazily: the demo users only when the development identity
provider is on, the synthetic-pattern endpoint only outside ``TVAERS_ENV=production`` (where it
answers 404, as before). A production start never loads it or the simulators' seed (tested).
"""
