import type { AssetKey } from './definitions/asset-key.js';
import type { CheckResult } from './definitions/checks.js';

/** Final status of a run. `abandoned`: the process died and a later start found it unfinished. */
export type RunStatus = 'running' | 'success' | 'failed' | 'canceled' | 'abandoned';

/** Final status of one asset in a run. */
export type StepStatus = 'success' | 'failed' | 'skipped' | 'canceled';

interface EventBase {
  /** Id of the run the event belongs to. */
  readonly runId: string;
  /** ISO-8601 time the event was emitted. */
  readonly timestamp: string;
}

interface StepEventBase extends EventBase {
  readonly assetKey: AssetKey;
  readonly partition?: string | undefined;
}

/** A run began. */
export interface RunStartEvent extends EventBase {
  readonly type: 'run_start';
  readonly selection: string | undefined;
  readonly steps: readonly AssetKey[];
  readonly backend: string;
}
/** A run ended. */
export interface RunEndEvent extends EventBase {
  readonly type: 'run_end';
  readonly status: Exclude<RunStatus, 'running'>;
  readonly durationMs: number;
}
/** A step began (each attempt after a retry emits `step_retry`, not another start). */
export interface StepStartEvent extends StepEventBase { readonly type: 'step_start'; readonly reason: string }
/** A step finished successfully. */
export interface StepSuccessEvent extends StepEventBase {
  readonly type: 'step_success';
  readonly durationMs: number;
  readonly rowCount: number | undefined;
}
/** A step failed for good. */
export interface StepFailureEvent extends StepEventBase {
  readonly type: 'step_failure';
  readonly durationMs: number;
  readonly error: Record<string, unknown>;
}
/** A step failed with a transient error and will be retried after `delayMs`. */
export interface StepRetryEvent extends StepEventBase {
  readonly type: 'step_retry';
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: Record<string, unknown>;
}
/** A step was not run (upstream failure, blocking check, fail-fast). */
export interface StepSkippedEvent extends StepEventBase { readonly type: 'step_skipped'; readonly reason: string }
/** A step was canceled while running or before it started. */
export interface StepCanceledEvent extends StepEventBase { readonly type: 'step_canceled' }
/** A step produced a new version of its asset. */
export interface MaterializationEvent extends StepEventBase {
  readonly type: 'materialization';
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly rowCount: number | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
}
/** A check was evaluated. */
export interface CheckResultEvent extends StepEventBase { readonly type: 'check_result'; readonly result: CheckResult }
/** A log line from a step or the run. */
export interface LogEvent extends EventBase {
  readonly type: 'log';
  readonly level: string;
  readonly message: string;
  readonly assetKey?: AssetKey | undefined;
}

/** Every event a run emits, to `onEvent` and the state store. */
export type AssayEvent =
  | RunStartEvent
  | RunEndEvent
  | StepStartEvent
  | StepSuccessEvent
  | StepFailureEvent
  | StepRetryEvent
  | StepSkippedEvent
  | StepCanceledEvent
  | MaterializationEvent
  | CheckResultEvent
  | LogEvent;

/** The `type` of any event. */
export type AssayEventType = AssayEvent['type'];
