"""The reference model of the tests: the design's formulas in exact Python integers, written from
docs/DESIGN.md (never read back from the contracts), one module per concept. Tests compare the
chain with these functions; nothing here talks to a chain (``tests/support/`` does).

| module          | what it models                                              | docs/DESIGN.md |
| --------------- | ----------------------------------------------------------- | -------------- |
| ``fixed_point`` | WAD/RAY scales and the named roundings (up, down)           | 2              |
| ``shares``      | supply shares with virtual shares and assets                | 2, 5           |
| ``interest``    | the kinked rate, utilisation, the borrow index, accrual     | 2              |
| ``valuation``   | collateral and debt value, health factor, opening capacity  | 3, 6           |
| ``call_level``  | σ-weighted call level, the two-price valuation, the ladder  | 3, 6           |
| ``volatility``  | the oracle's EWMA variance estimator                        | 6              |
| ``kick``        | how much a kick liquidates: target T, D_r, lots, tabs       | 3, 4           |
| ``auction``     | the auction's price curves and a take's owe and slice       | 4              |
| ``waterfall``   | exits priced with known losses (supplier and fund haircuts) | 5              |
| ``ramps``       | governance ramps (RampLib)                                  | 7              |
"""
