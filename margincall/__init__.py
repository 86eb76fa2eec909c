"""Margin Call Lab harness: deploy, drive and inspect the lending protocol on any chain.

The package speaks web3.py only (no Brownie, no Ape): a framework is an adapter over it.
Deploying a market from plain web3 (artifacts are read from ``build/contracts/<Name>.json``,
``make compile``; or ``$MARGINCALL_ROOT/build``)::

    from web3 import Web3
    from margincall.session import Chain, Signer
    from margincall.deploy import deploy_market, write_deployment

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8545"))
    chain = Chain(w3, Signer(w3.eth.accounts[0]))          # a dev node's unlocked account
    # or: chain = Chain(w3, Signer.from_key(os.environ["KEY"]))   # a local key (eth-account)
    market = deploy_market(chain)                         # the demo market (margincall/params/demo.yaml)
    write_deployment(market)                              # deployments/<chain-id>.json

    market.pool.call.accountStatus(alice)                 # reads: handle.call.<function>(...)
    market.pool.send.borrow(10**9, alice, sender=alice)   # writes: handle.send.<function>(..., sender=)
    # a revert raises margincall.errors.ProtocolError(name, args), e.g. NotLiquidatable

``margincall.anvil.LocalAnvil`` starts a private Anvil on a free port (``with LocalAnvil() as
a: a.url``); ``margincall.deploy.load_deployment(chain, path)`` reads a record back;
``margincall.keeper.Keeper``, ``margincall.watch.Watcher`` and ``margincall.demo.run`` take the
``Market``. Statuses are ``margincall.status.AccountStatus``; amounts are exact integers in the
units ``margincall.units`` names.
"""

__version__ = "0.1.0"
