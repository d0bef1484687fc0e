// Power of the verdicts' tests (power.ts) against an independent float64 reference: scipy 1.17's noncentral t
// (scipy.stats.nct.sf) for the one- and two-sided t-tests, and scipy.integrate.quad over the χ² density for TOST,
// with brentq for the minimal detectable differences. The script that printed every expected number below is
// tests/unit/reference/power_ref.py (run with /work/venv/bin/python: numpy, scipy).
import { describe, expect, it } from 'vitest';
import {
  detectable,
  normalCdf,
  oneSidedPower,
  seedsToDecideBound,
  seedsToDecideMargin,
  tostPower,
  twoSidedPower,
} from '../../src/core/experiment/power';

describe('power of the t-tests against scipy', () => {
  it('the standard normal CDF at known points', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 12);
  });

  it('one-sided and two-sided power equal 1 − F_ν,λ(t) of the noncentral t', () => {
    expect(oneSidedPower(1, 1, 3, 0.05)).toBeCloseTo(0.3218364091, 7); // nct.sf(t.ppf(.95,2), 2, √3)
    expect(oneSidedPower(0.02, 0.03, 5, 0.01)).toBeCloseTo(0.1015205418, 7);
    expect(twoSidedPower(0.05, 0.03, 5, 0.05)).toBeCloseTo(0.7932202351, 7);
    expect(twoSidedPower(0.1, 0.029, 3, 0.05)).toBeCloseTo(0.8330889901, 7);
    expect(oneSidedPower(0, 0.03, 4, 0.05)).toBeCloseTo(0.05, 7); // at the null the power is the level
  });

  it('TOST power, and the sd at which TOST at δ = 0 has 80% power: 0.0188 at 3 seeds, 0.0312 at 5, 0.0498 at 10', () => {
    expect(tostPower(0, 0.019, 3, 0.05, 0.05)).toBeCloseTo(0.791907872, 6);
    expect(tostPower(0.02, 0.03, 10, 0.05, 0.05)).toBeCloseTo(0.8975168131, 6);
    // scipy brentq on quad: σ = 0.018797 (n 3), 0.031241 (n 5), 0.049766 (n 10) — the simulation said 0.019 / 0.031 / 0.050.
    for (const [n, s] of [
      [3, 0.018797],
      [5, 0.031241],
      [10, 0.049766],
    ]) {
      expect(tostPower(0, s - 2e-6, n, 0.05, 0.05)).toBeGreaterThan(0.8);
      expect(tostPower(0, s + 2e-6, n, 0.05, 0.05)).toBeLessThan(0.8);
    }
  });

  it('argument errors name the argument', () => {
    expect(() => oneSidedPower(0.1, 0.03, 1, 0.05)).toThrow(/seeds ≥ 2, got 1/);
    expect(() => oneSidedPower(0.1, 0, 3, 0.05)).toThrow(/positive finite sd, got 0/);
  });
});

describe('minimal detectable differences and seeds to decide', () => {
  it('from zero (two-sided α 0.05) and from a bound (one-sided at α/5 = 0.01 and at 0.05), 80% power', () => {
    const cases: [number, number, number, number, number][] = [
      // sd, n, fromZero, fromBound at 0.01, fromBound at 0.05 (scipy brentq on nct.sf)
      [0.029, 3, 0.09465726, 0.15000263, 0.06662097],
      [0.024, 3, 0.07833705, 0.1241401, 0.05513459],
      [0.05, 5, 0.08409985, 0.10901662, 0.0679709],
    ];
    for (const [sd, n, zero, b01, b05] of cases) {
      const d = detectable(sd, n, 0.05, 0.05, 0.01);
      expect(d.fromZero).toBeCloseTo(zero, 6);
      expect(d.fromBound).toBeCloseTo(b01, 6);
      expect(detectable(sd, n, 0.05, 0.05, 0.05).fromBound).toBeCloseTo(b05, 6);
      expect(d.equivalentWithin).toBeNull(); // TOST at 0.05 cannot reach 80% at these sds (needs σ ≤ 0.0188 at n 3, 0.0312 at n 5)
    }
    // The normal approximation with a t correction, (t_{.975,2} + t_{.8,2})·σ/√3 = 0.0898, is 5% short of the exact 0.0947.
    expect(detectable(0.029, 3, 0.05, 0.05, 0.01).fromZero).toBeGreaterThan(0.0898);
  });

  it('the equivalence zone: with sd 0.01 over 5 seeds TOST calls |δ| ≤ 0.03641 equal with 80% power', () => {
    expect(detectable(0.01, 5, 0.05, 0.05, 0.01).equivalentWithin).toBeCloseTo(0.03640582, 6);
  });

  it('seeds to decide at the observed noise (scipy: smallest n with power ≥ 0.8)', () => {
    expect(seedsToDecideMargin(-0.071, 0.05, 0.05, 0.05, 0.01)).toBe(60); // beyond −m by 0.021 at α/5
    expect(seedsToDecideMargin(0.01, 0.03, 0.05, 0.05, 0.01)).toBe(6); // TOST at δ = 0.01
    expect(seedsToDecideBound(0.119, 0.04, 0.05, 0.05)).toBe(4); // 0.069 above +m, one-sided α
    expect(seedsToDecideMargin(0.05, 0.03, 0.05, 0.05, 0.01)).toBeNull(); // on the margin: never
    expect(seedsToDecideMargin(0.0501, 0.5, 0.05, 0.05, 0.01)).toBeNull(); // needs more than MAX_SEEDS
  });
});
