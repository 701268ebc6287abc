/**
 * Logistic regression in plain TypeScript: training by Newton's method (IRLS) with a small
 * L2 penalty on standardized features, scoring, and the usual evaluation metrics. Exact and
 * fast enough for the churn model (tens of thousands of rows, a few dozen features, about
 * ten iterations of O(n·p²) work each).
 */

/** A trained model: coefficients apply to features standardized with `means` and `stds`. */
export interface LogisticModel {
  /** Feature names, in column order. */
  features: string[];
  /** Intercept (on standardized features). */
  intercept: number;
  /** One coefficient per feature (on standardized features). */
  coefficients: number[];
  /** Training means used for standardization. */
  means: number[];
  /** Training standard deviations used for standardization (1 for constant features). */
  stds: number[];
  /** Newton iterations run. */
  iterations: number;
  /** Whether the largest coefficient step fell below the tolerance. */
  converged: boolean;
}

/** Options of {@link trainLogisticRegression}. */
export interface TrainOptions {
  /** L2 penalty on the coefficients (not the intercept). Defaults to 1. */
  l2?: number;
  /** Maximum Newton iterations. Defaults to 50. */
  maxIterations?: number;
  /** Stop when no coefficient moves more than this. Defaults to 1e-8. */
  tolerance?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits P(y = 1 | x) = σ(b₀ + Σ bⱼ·(xⱼ − meanⱼ)/stdⱼ) by penalized maximum likelihood.
 *
 * @param x rows of feature values, all the same length as `features`
 * @param y labels, 0 or 1, one per row
 * @example
 * ```ts
 * const model = trainLogisticRegression(['age'], [[20], [60]], [0, 1]);
 * predictProbability(model, [70]); // > 0.5
 * ```
 */
export function trainLogisticRegression(features: readonly string[], x: readonly (readonly number[])[], y: readonly number[], options: TrainOptions = {}): LogisticModel {
  const n = x.length;
  const p = features.length;
  if (n === 0) throw new RangeError('no training rows');
  if (y.length !== n) throw new RangeError(`${n} rows but ${y.length} labels`);
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;

  const means = new Array<number>(p).fill(0);
  const stds = new Array<number>(p).fill(0);
  for (const row of x) {
    if (row.length !== p) throw new RangeError(`a row has ${row.length} values, expected ${p}`);
    for (let j = 0; j < p; j++) means[j]! += row[j]! / n;
  }
  for (const row of x) for (let j = 0; j < p; j++) stds[j]! += (row[j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < p; j++) stds[j] = Math.sqrt(stds[j]!) || 1;

  // Design matrix with the intercept as column 0, row-major in one typed array.
  const k = p + 1;
  const z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    z[i * k] = 1;
    for (let j = 0; j < p; j++) z[i * k + j + 1] = (x[i]![j]! - means[j]!) / stds[j]!;
  }
  const beta = new Float64Array(k);
  const gradient = new Float64Array(k);
  const hessian = new Float64Array(k * k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * k;
      let eta = 0;
      for (let j = 0; j < k; j++) eta += z[off + j]! * beta[j]!;
      const prob = sigmoid(eta);
      const residual = y[i]! - prob;
      const w = Math.max(prob * (1 - prob), 1e-10);
      for (let a = 0; a < k; a++) {
        const za = z[off + a]!;
        gradient[a]! += za * residual;
        const wa = w * za;
        // Only the lower triangle: the Hessian is symmetric.
        for (let b = 0; b <= a; b++) hessian[a * k + b]! += wa * z[off + b]!;
      }
    }
    for (let a = 1; a < k; a++) {
      gradient[a]! -= l2 * beta[a]!;
      hessian[a * k + a]! += l2;
    }
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) hessian[a * k + b] = hessian[b * k + a]!;
    const step = solveSymmetric(hessian, gradient, k);
    let largest = 0;
    for (let j = 0; j < k; j++) {
      beta[j]! += step[j]!;
      largest = Math.max(largest, Math.abs(step[j]!));
    }
    if (!Number.isFinite(largest)) throw new RangeError('training diverged (non-finite coefficients)');
    if (largest < tolerance) {
      converged = true;
      break;
    }
  }
  return { features: [...features], intercept: beta[0]!, coefficients: Array.from(beta.subarray(1)), means, stds, iterations, converged };
}

/** Solves H·s = g for a symmetric positive definite H (Cholesky). */
function solveSymmetric(h: Float64Array, g: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i * k + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) {
        if (sum <= 0) throw new RangeError('the Hessian is not positive definite (perfectly collinear features?)');
        l[i * k + i] = Math.sqrt(sum);
      } else l[i * k + j] = sum / l[j * k + j]!;
    }
  }
  const tmp = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = g[i]!;
    for (let m = 0; m < i; m++) sum -= l[i * k + m]! * tmp[m]!;
    tmp[i] = sum / l[i * k + i]!;
  }
  const out = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = tmp[i]!;
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i]! * out[m]!;
    out[i] = sum / l[i * k + i]!;
  }
  return out;
}

/** P(y = 1) for one row of raw (unstandardized) feature values. */
export function predictProbability(model: LogisticModel, row: readonly number[]): number {
  let eta = model.intercept;
  for (let j = 0; j < model.coefficients.length; j++) eta += (model.coefficients[j]! * (row[j]! - model.means[j]!)) / model.stds[j]!;
  return sigmoid(eta);
}

/**
 * Area under the ROC curve, rank-based (Mann–Whitney U): the probability that a random
 * positive scores above a random negative, ties counting half. NaN without both classes.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Tied scores share the average of their 1-based ranks.
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (labels[order[i]!] === 1) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of rows whose probability, thresholded at `threshold` (default 0.5), matches the label. */
export function accuracy(probabilities: readonly number[], labels: readonly number[], threshold = 0.5): number {
  if (probabilities.length === 0) return Number.NaN;
  let right = 0;
  probabilities.forEach((pr, i) => {
    if ((pr >= threshold ? 1 : 0) === labels[i]) right++;
  });
  return right / probabilities.length;
}

/** Mean negative log-likelihood of the labels (probabilities clipped to [1e-15, 1 − 1e-15]). */
export function logLoss(probabilities: readonly number[], labels: readonly number[]): number {
  if (probabilities.length === 0) return Number.NaN;
  let sum = 0;
  probabilities.forEach((pr, i) => {
    const q = Math.min(Math.max(pr, 1e-15), 1 - 1e-15);
    sum -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return sum / probabilities.length;
}
