"""The lab: price paths, seeded position populations and (later) scenarios built on them.

Everything here is deterministic for a given seed: the same seed gives the same path, the same
accounts and so, on a fresh chain, the same transactions.
"""
