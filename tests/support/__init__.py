"""Test support: everything the tests need that is not a formula of the design. Nothing here
models the protocol (``tests/model/`` does); the actors themselves are fixtures
(``tests/fixtures/accounts.py``).

| module         | what it holds                                                                |
| -------------- | ---------------------------------------------------------------------------- |
| ``units``      | token and time units, the zero address, ABI enums, feed answers               |
| ``reverts``    | custom-error revert strings, "a revert changes nothing", events as values     |
| ``chain_time`` | exact chain time (Anvil's next-block timestamp), mining, letting time pass    |
| ``actions``    | actors acting: funding, supplying, opening positions, moving feeds            |
| ``reads``      | reading the model's inputs from a chain (kick inputs, holdings, books), and   |
|                | the books checks run after tests                                              |
"""
