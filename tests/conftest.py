"""pytest (through Brownie) fixtures: one deploy path, role-named actors, a snapshot per test.

Fixtures live in ``tests/fixtures/``, one module per theme; every module there is loaded.
"""

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}" for p in (Path(__file__).parent / "fixtures").glob("*.py") if p.stem != "__init__"
)
