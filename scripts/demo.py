"""The margin-call demo on a fresh local chain: `make demo` (brownie run scripts/demo.py --network anvil)."""

from margincall import demo


def main():
    demo.run()
