/**
 * ML: churn features (point in time), a logistic-regression churn model trained in
 * TypeScript, and `GOLD.CHURN_PREDICTIONS` scored in SQL from the stored coefficients — the
 * seed's Phase 3 (`snowflake/ml/03_train_churn_model.sql`).
 *
 * Two feature snapshots: `train`, as of 90 days before the newest transaction, labelled with
 * what the customer did in those 90 days; and `score`, as of the newest transaction, which
 * the model scores. Features only use transactions before their snapshot's date.
 */
import { AssetFailedError, asset, checks, raw, self, sql, sqlAsset } from '@assay/core';
import { DIM_CUSTOMER, FCT_TRANSACTIONS } from './gold.js';
import { accuracy, logLoss, predictProbability, rocAuc, trainLogisticRegression } from './logistic-regression.js';

/** Model features, in the order of the model's coefficients (all DOUBLE in `ml/CHURN_FEATURES`). */
export const CHURN_FEATURE_COLUMNS = [
  'log_transactions_30d',
  'log_transactions_90d',
  'log_spend_30d',
  'log_spend_90d',
  'log_avg_transaction_amount_90d',
  'days_since_last_transaction',
  'spend_trend_30d',
  'spend_trend_60d',
  'spend_trend_90d',
  'decline_rate_90d',
  'online_share_90d',
  'credit_utilization_30d',
  'tenure_months',
  'segment_high_value_travelers',
  'segment_budget_conscious',
  'segment_declining',
  'segment_new_and_growing',
  'card_gold',
  'card_platinum',
  'card_travel_rewards',
] as const;

/**
 * A customer churned over the 90 days after the training snapshot when their approved spend
 * in those days fell below this share of their spend in the 90 days before it.
 */
export const CHURN_SPEND_RATIO = 0.2;

/** Below this holdout AUC the model is not stored and predictions keep the previous model. */
export const MIN_HOLDOUT_AUC = 0.6;

/** Name of the intercept row in `ml/CHURN_MODEL`. */
export const INTERCEPT = '(intercept)';

const owners = ['ml@c360.example'];
const featureList = raw(CHURN_FEATURE_COLUMNS.join(', '));

/**
 * Churn features per customer and snapshot: frequency and recency, spend and ticket size,
 * spending trends over 30/60/90 days, declines, channel, credit utilization, tenure, segment
 * and card type (the seed's model features). `churned` is the label on `train` rows of
 * customers who were active before the snapshot; null otherwise.
 */
export const CHURN_FEATURES = sqlAsset({
  key: 'ml/CHURN_FEATURES',
  kind: 'features',
  description: 'Point-in-time churn features per customer for a training snapshot (labelled) and a scoring snapshot.',
  owners,
  checks: [
    checks.unique(['customer_id', 'snapshot']),
    checks.acceptedValues('snapshot', ['train', 'score']),
    checks.expression('churned is null or snapshot = \'train\''),
    checks.sql('both_classes_in_training_rows', sql`
      select count(*) filter (where churned) as churned, count(*) filter (where not churned) as retained
      from ${self} where snapshot = 'train' having count(*) filter (where churned) = 0 or count(*) filter (where not churned) = 0`),
  ],
})`
  with bounds as (
    select date_trunc('day', max(transaction_date)) + interval 1 day as score_as_of from ${FCT_TRANSACTIONS}
  ),
  snapshots as (
    select 'train' as snapshot, score_as_of - interval 90 day as as_of from bounds
    union all
    select 'score', score_as_of from bounds
  ),
  population as (
    -- The customer as known at the snapshot: the SCD2 version valid then.
    select s.snapshot, s.as_of, d.customer_id, d.customer_segment, d.card_type, d.credit_limit, d.account_open_date
    from snapshots as s
    join ${DIM_CUSTOMER} as d on d.valid_from <= s.as_of and coalesce(d.valid_to, 'infinity'::timestamp) > s.as_of
  ),
  history as (
    -- One pass over the last 270 days, each row seen once per snapshot; joining the fact to
    -- the snapshots on a time range instead would make DuckDB sort 13.5M rows.
    select s.snapshot, s.as_of, f.customer_id, f.transaction_date, f.transaction_amount, f.is_approved, f.channel
    from ${FCT_TRANSACTIONS} as f
    cross join snapshots as s
    where f.transaction_date >= (select min(as_of) - interval 180 day from snapshots)
  ),
  activity as (
    select snapshot, customer_id,
      count(*) filter (where past and is_approved and transaction_date >= as_of - interval 30 day) as transactions_30d,
      count(*) filter (where past and is_approved and transaction_date >= as_of - interval 90 day) as transactions_90d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 30 day), 0) as spend_30d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 60 day and transaction_date < as_of - interval 30 day), 0) as spend_prev_30d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 60 day), 0) as spend_60d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 120 day and transaction_date < as_of - interval 60 day), 0) as spend_prev_60d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 90 day), 0) as spend_90d,
      coalesce(sum(transaction_amount) filter (where past and is_approved and transaction_date < as_of - interval 90 day), 0) as spend_prev_90d,
      avg(transaction_amount) filter (where past and is_approved and transaction_date >= as_of - interval 90 day) as avg_amount_90d,
      count(*) filter (where past and transaction_date >= as_of - interval 90 day) as all_90d,
      count(*) filter (where past and not is_approved and transaction_date >= as_of - interval 90 day) as declined_90d,
      count(*) filter (where past and channel = 'Online' and transaction_date >= as_of - interval 90 day) as online_90d,
      max(transaction_date) filter (where past and is_approved) as last_approved_at,
      -- The label window: the 90 days after the training snapshot.
      coalesce(sum(transaction_amount) filter (where not past and is_approved), 0) as spend_after
    from (
      select *, transaction_date < as_of as past from history
      where transaction_date >= as_of - interval 180 day and (transaction_date < as_of or snapshot = 'train')
    )
    group by snapshot, customer_id
  )
  select
    p.customer_id,
    p.snapshot,
    cast(p.as_of as date) as as_of_date,
    ln(1 + coalesce(a.transactions_30d, 0))::double as log_transactions_30d,
    ln(1 + coalesce(a.transactions_90d, 0))::double as log_transactions_90d,
    ln(1 + coalesce(a.spend_30d, 0))::double as log_spend_30d,
    ln(1 + coalesce(a.spend_90d, 0))::double as log_spend_90d,
    ln(1 + coalesce(a.avg_amount_90d, 0))::double as log_avg_transaction_amount_90d,
    least(180, coalesce(date_diff('day', a.last_approved_at, p.as_of), 180))::double as days_since_last_transaction,
    ln((1 + coalesce(a.spend_30d, 0)) / (1 + coalesce(a.spend_prev_30d, 0)))::double as spend_trend_30d,
    ln((1 + coalesce(a.spend_60d, 0)) / (1 + coalesce(a.spend_prev_60d, 0)))::double as spend_trend_60d,
    ln((1 + coalesce(a.spend_90d, 0)) / (1 + coalesce(a.spend_prev_90d, 0)))::double as spend_trend_90d,
    coalesce(a.declined_90d / nullif(a.all_90d, 0), 0)::double as decline_rate_90d,
    coalesce(a.online_90d / nullif(a.all_90d, 0), 0)::double as online_share_90d,
    (coalesce(a.spend_30d, 0) / nullif(p.credit_limit, 0))::double as credit_utilization_30d,
    date_diff('month', p.account_open_date, cast(p.as_of as date))::double as tenure_months,
    (p.customer_segment = 'High-Value Travelers')::int::double as segment_high_value_travelers,
    (p.customer_segment = 'Budget-Conscious')::int::double as segment_budget_conscious,
    (p.customer_segment = 'Declining')::int::double as segment_declining,
    (p.customer_segment = 'New & Growing')::int::double as segment_new_and_growing,
    (p.card_type = 'Gold')::int::double as card_gold,
    (p.card_type = 'Platinum')::int::double as card_platinum,
    (p.card_type = 'Travel Rewards')::int::double as card_travel_rewards,
    case when p.snapshot = 'train' and coalesce(a.spend_90d, 0) > 0
      then a.spend_after < ${CHURN_SPEND_RATIO} * a.spend_90d end as churned
  from population as p
  left join activity as a on a.snapshot = p.snapshot and a.customer_id = p.customer_id`;

/**
 * The churn model: logistic regression trained on the labelled training snapshot, 80% of
 * customers for training and a fixed 20% (by a hash of the id) held out for AUC and accuracy.
 * Its table is the artifact: one row per coefficient with the standardization it expects.
 */
export const CHURN_MODEL = asset(
  {
    key: 'ml/CHURN_MODEL',
    kind: 'model',
    deps: [CHURN_FEATURES],
    description: 'Logistic-regression churn model: coefficients with their feature means and standard deviations; holdout AUC/accuracy in metadata.',
    owners,
    checks: [
      checks.rowCount({ min: CHURN_FEATURE_COLUMNS.length + 1, max: CHURN_FEATURE_COLUMNS.length + 1 }),
      checks.expression('isfinite(coefficient) and std > 0'),
    ],
  },
  async (ctx) => {
    const rows = await ctx.query(sql`
      select ${featureList}, churned::int as label, hash(customer_id) % 5 = 0 as holdout
      from ${CHURN_FEATURES} where snapshot = 'train' and churned is not null order by customer_id`);
    const train = rows.filter((r) => !r.holdout);
    const test = rows.filter((r) => r.holdout);
    const vector = (r: Record<string, unknown>) => CHURN_FEATURE_COLUMNS.map((f) => Number(r[f]));
    const positives = (set: Record<string, unknown>[]) => set.filter((r) => Number(r.label) === 1).length;
    if (positives(train) === 0 || positives(train) === train.length || positives(test) === 0 || positives(test) === test.length) {
      throw new AssetFailedError(ctx.key, `cannot train: ${train.length} training and ${test.length} holdout rows need both churned and retained customers`, {
        hint: 'Generate more customers (--scale) or more history.',
      });
    }
    const model = trainLogisticRegression(CHURN_FEATURE_COLUMNS, train.map(vector), train.map((r) => Number(r.label)));
    const labels = test.map((r) => Number(r.label));
    const scores = test.map((r) => predictProbability(model, vector(r)));
    const auc = rocAuc(scores, labels);
    const metrics = {
      auc: round(auc, 4),
      accuracy: round(accuracy(scores, labels), 4),
      logLoss: round(logLoss(scores, labels), 4),
      trainRows: train.length,
      holdoutRows: test.length,
      holdoutChurnRate: round(positives(test) / test.length, 4),
      iterations: model.iterations,
      converged: model.converged,
    };
    ctx.logger.info(`churn model: holdout AUC ${metrics.auc}, accuracy ${metrics.accuracy} on ${test.length} customers`);
    if (!(auc >= MIN_HOLDOUT_AUC)) {
      throw new AssetFailedError(ctx.key, `holdout AUC ${metrics.auc} is below ${MIN_HOLDOUT_AUC}; the previous model stays in place`, {
        hint: 'Check the features and labels in ml/CHURN_FEATURES.',
      });
    }
    const coefficients = [
      { feature: INTERCEPT, coefficient: model.intercept, mean: 0, std: 1 },
      ...model.features.map((feature, j) => ({ feature, coefficient: model.coefficients[j]!, mean: model.means[j]!, std: model.stds[j]! })),
    ];
    return {
      rows: coefficients,
      metadata: { ...metrics, model: Object.fromEntries(coefficients.map((c) => [c.feature, round(c.coefficient, 6)])) },
    };
  },
);

/**
 * Churn probability for every current customer (the scoring snapshot), computed in SQL from
 * the stored coefficients: risk tier and rank for the seed's "at-risk customer identification".
 */
export const CHURN_PREDICTIONS = sqlAsset({
  key: 'gold/CHURN_PREDICTIONS',
  description: 'Churn probability, risk tier and rank per current customer, from ml/CHURN_MODEL.',
  owners,
  checks: [
    checks.unique('customer_id'),
    checks.expression('churn_probability between 0 and 1'),
    checks.acceptedValues('churn_risk', ['High', 'Medium', 'Low']),
  ],
})`
  with x as (
    unpivot (select customer_id, as_of_date, ${featureList} from ${CHURN_FEATURES} where snapshot = 'score')
    on ${featureList} into name feature value x
  ),
  z as (
    select x.customer_id, x.as_of_date, sum(m.coefficient * (x.x - m.mean) / m.std) as z
    from x join ${CHURN_MODEL} as m on m.feature = x.feature
    group by x.customer_id, x.as_of_date
  ),
  p as (
    select z.customer_id, z.as_of_date, 1 / (1 + exp(-(z.z + i.coefficient))) as churn_probability
    from z cross join (select coefficient from ${CHURN_MODEL} where feature = ${INTERCEPT}) as i
  )
  select
    p.customer_id,
    c.customer_segment,
    c.card_type,
    p.as_of_date,
    round(p.churn_probability, 6) as churn_probability,
    case when p.churn_probability >= 0.6 then 'High' when p.churn_probability >= 0.3 then 'Medium' else 'Low' end as churn_risk,
    rank() over (order by p.churn_probability desc, p.customer_id) as risk_rank
  from p join ${DIM_CUSTOMER} as c on c.customer_id = p.customer_id and c.is_current`;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
