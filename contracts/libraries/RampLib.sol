// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A parameter that moves linearly from `from` to `to` between `start` and `end`
/// [seconds]. A settled parameter has `start == end` and `from == to`.
struct Ramp {
    uint64 from;
    uint64 to;
    uint64 start;
    uint64 end;
}

/// @title RampLib
/// @notice Risk-raising parameter changes take effect linearly over `RAMP_DURATION`
/// (DESIGN.md 2, after Euler's LTV ramp), so a borrower can react before a changed
/// liquidation threshold bites; risk-lowering changes apply at once.
library RampLib {
    uint256 internal constant RAMP_DURATION = 7 days;

    /// @dev Value now. Rounded towards the target, the side the ramp moves to.
    function current(Ramp memory r) internal view returns (uint256) {
        if (block.timestamp >= r.end) return r.to;
        if (block.timestamp <= r.start) return r.from;
        uint256 elapsed = block.timestamp - r.start;
        uint256 span = r.end - r.start;
        if (r.to >= r.from) return r.from + _divUp((uint256(r.to) - r.from) * elapsed, span);
        return r.from - _divUp((uint256(r.from) - r.to) * elapsed, span);
    }

    /// @dev The bound-relevant envelope of a ramp: the lower and higher of now and the target.
    function range(Ramp memory r) internal view returns (uint256 lo, uint256 hi) {
        uint256 now_ = current(r);
        return now_ < r.to ? (now_, uint256(r.to)) : (uint256(r.to), now_);
    }

    /// @dev Moves the ramp towards `target`: ramped from the current value when `ramped`,
    /// otherwise applied at once.
    function moveTo(Ramp storage r, uint256 target, bool ramped) internal {
        uint64 now_ = uint64(block.timestamp);
        if (ramped) {
            r.from = uint64(current(r));
            r.start = now_;
            r.end = now_ + uint64(RAMP_DURATION);
        } else {
            r.from = uint64(target);
            r.start = now_;
            r.end = now_;
        }
        r.to = uint64(target);
    }

    function _divUp(uint256 x, uint256 y) private pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / y + 1;
    }
}
