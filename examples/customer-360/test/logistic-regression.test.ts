import { describe, expect, it } from 'vitest';
import { accuracy, logLoss, predictProbability, rocAuc, trainLogisticRegression } from '../assets/logistic-regression.js';

/** A deterministic pseudo-random sequence (LCG), so the synthetic data is the same every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts tied pairs as half, like the pairwise definition', () => {
    const scores = [0.3, 0.7, 0.7, 0.2, 0.7, 0.9, 0.3];
    const labels = [0, 1, 0, 0, 1, 1, 1];
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (labels[i] !== 1) return;
      scores.forEach((sn, j) => {
        if (labels[j] !== 0) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    expect(rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN without both classes', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('trainLogisticRegression', () => {
  it('recovers the coefficients of data drawn from a known model', () => {
    const rand = random(7);
    const x: number[][] = [];
    const y: number[] = [];
    // P(y = 1) = σ(-1 + 2·a − 1·b), with a ~ U(0, 2) and b ~ U(0, 4).
    for (let i = 0; i < 20_000; i++) {
      const a = rand() * 2;
      const b = rand() * 4;
      x.push([a, b]);
      y.push(rand() < 1 / (1 + Math.exp(-(-1 + 2 * a - b))) ? 1 : 0);
    }
    const model = trainLogisticRegression(['a', 'b'], x, y, { l2: 0 });
    expect(model.converged).toBe(true);
    // Coefficients are on standardized features: undo the scaling to compare.
    const a = model.coefficients[0]! / model.stds[0]!;
    const b = model.coefficients[1]! / model.stds[1]!;
    const intercept = model.intercept - a * model.means[0]! - b * model.means[1]!;
    expect(a).toBeCloseTo(2, 0);
    expect(b).toBeCloseTo(-1, 0);
    expect(intercept).toBeCloseTo(-1, 0);
    expect(predictProbability(model, [1, 1])).toBeCloseTo(0.5, 1);
  });

  it('separates classes it can separate, and says so in AUC, accuracy and log loss', () => {
    const rand = random(11);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const label = i % 2;
      x.push([label * 3 + rand(), rand()]);
      y.push(label);
    }
    const model = trainLogisticRegression(['signal', 'noise'], x, y);
    const p = x.map((row) => predictProbability(model, row));
    expect(rocAuc(p, y)).toBe(1);
    expect(accuracy(p, y)).toBe(1);
    expect(logLoss(p, y)).toBeLessThan(0.05);
    expect(Math.abs(model.coefficients[1]!)).toBeLessThan(Math.abs(model.coefficients[0]!) / 10);
  });

  it('keeps constant features harmless', () => {
    const model = trainLogisticRegression(['x', 'constant'], [[0, 1], [1, 1], [2, 1], [3, 1]], [0, 0, 1, 1]);
    expect(model.stds[1]).toBe(1);
    expect(Number.isFinite(model.intercept)).toBe(true);
  });

  it('rejects mismatched input', () => {
    expect(() => trainLogisticRegression(['a'], [], [])).toThrow(RangeError);
    expect(() => trainLogisticRegression(['a'], [[1]], [1, 0])).toThrow(RangeError);
    expect(() => trainLogisticRegression(['a', 'b'], [[1]], [1])).toThrow(RangeError);
  });
});
