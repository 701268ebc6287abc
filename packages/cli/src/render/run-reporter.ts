import type { AssayEvent, CheckResult } from '@assay/core';
import { formatDuration, formatRows } from './format-table.js';
import { stripAnsi, type Style } from './style.js';

/** Where the CLI writes: `process.stdout`, or a capture in tests. */
export interface CliOutput {
  write(chunk: string): unknown;
  /** True for a terminal. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when a terminal. */
  readonly columns?: number | undefined;
  /** Terminal height, when a terminal. */
  readonly rows?: number | undefined;
}

/** Renders the events of a run as they happen. */
export interface RunReporter {
  /** Feeds one event. */
  onEvent(event: AssayEvent): void;
  /** Prints a line outside the event stream (e.g. "canceling..."). */
  note(line: string): void;
  /** Final redraw; restores the cursor. Idempotent. */
  stop(): void;
}

/** Options of {@link createRunReporter}. */
export interface RunReporterOptions {
  out: CliOutput;
  style: Style;
  /** `live`: redraw in place (terminals); `plain`: timestamped lines (CI, pipes); `quiet`: nothing (`--json`). */
  mode: 'live' | 'plain' | 'quiet';
  /** Also show info-level log lines of steps in live mode. Defaults to false. */
  verbose?: boolean;
  /** Milliseconds between redraws in live mode. Defaults to 100. */
  intervalMs?: number;
  /** The run only evaluates checks (`assets check`): steps are described as checks. Defaults to false. */
  checksOnly?: boolean;
}

/** What the reporters show of a check result. */
type ShownCheck = Pick<CheckResult, 'name' | 'passed' | 'severity' | 'skipped' | 'message'>;

interface Running {
  key: string;
  startedAt: number;
  rows: number | undefined;
  checksPassed: number;
  checksFailed: number;
  /** Checks left out by their scope (`full-builds` after a build that only added rows). */
  checksSkipped: number;
  partitions: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Creates the reporter for `materialize` and `check`: a live view on terminals (running
 * assets with elapsed time, finished ones scrolling above, a progress line; redrawn in place
 * at most every 100 ms), timestamped plain lines elsewhere, or nothing.
 */
export function createRunReporter(options: RunReporterOptions): RunReporter {
  if (options.mode === 'quiet') return { onEvent() {}, note() {}, stop() {} };
  return options.mode === 'live' ? new LiveReporter(options) : new PlainReporter(options);
}

/** Shared bookkeeping: what runs, what finished, and one-line descriptions of both. */
abstract class BaseReporter implements RunReporter {
  protected readonly running = new Map<string, Running>();
  private readonly failureMessages = new Map<string, string>();
  protected total = 0;
  protected done = 0;
  protected failed = 0;
  protected skipped = 0;
  protected canceled = 0;
  protected runStarted = Date.now();
  protected readonly style: Style;

  constructor(protected readonly options: RunReporterOptions) {
    this.style = options.style;
  }

  abstract note(line: string): void;
  abstract stop(): void;
  /** Emits a permanent line (with the event's time, for plain output). */
  protected abstract line(text: string, timestamp: string): void;

  onEvent(event: AssayEvent): void {
    const s = this.style;
    switch (event.type) {
      case 'run_start':
        this.total = event.steps.length;
        this.runStarted = Date.parse(event.timestamp) || Date.now();
        this.runStart(event.runId, event.steps.length, event.backend, event.timestamp);
        break;
      case 'step_start':
        this.running.set(event.assetKey, { key: event.assetKey, startedAt: Date.parse(event.timestamp) || Date.now(), rows: undefined, checksPassed: 0, checksFailed: 0, checksSkipped: 0, partitions: 0 });
        this.stepStart(event.assetKey, event.reason, event.timestamp);
        break;
      case 'step_retry':
        this.line(`${s.yellow('↻ retry')}  ${event.assetKey} attempt ${event.attempt + 1} in ${formatDuration(event.delayMs)}: ${oneLine(String(event.error.message ?? ''))}`, event.timestamp);
        break;
      case 'materialization': {
        const r = this.running.get(event.assetKey);
        if (r) {
          r.partitions += 1;
          if (event.rowCount !== undefined) r.rows = event.rowCount;
        }
        break;
      }
      case 'check_result': {
        const r = this.running.get(event.assetKey);
        const res = event.result;
        // A skipped check (scope full-builds after a build that only added rows) did not run.
        if (r) {
          if (res.skipped) r.checksSkipped += 1;
          else if (res.passed) r.checksPassed += 1;
          else r.checksFailed += 1;
        }
        this.checkResult(event.assetKey, { ...res, message: res.message ?? (res.failingRows ? `${res.failingRows} failing row(s)` : undefined) }, event.partition, event.timestamp);
        break;
      }
      case 'step_success': {
        const r = this.running.get(event.assetKey);
        this.running.delete(event.assetKey);
        this.done += 1;
        const evaluated = r ? r.checksPassed + r.checksFailed : 0;
        const skipped = r && r.checksSkipped > 0 ? `, ${r.checksSkipped} skipped` : '';
        const checks = evaluated > 0 || skipped ? `  checks ${r!.checksPassed}/${evaluated}${skipped}` : '';
        const rows = event.rowCount ?? r?.rows;
        this.line(`${s.green('✓')} ${event.assetKey}  ${s.gray(`${formatRows(rows)}  ${formatDuration(event.durationMs)}${checks}`)}`, event.timestamp);
        break;
      }
      case 'step_failure':
        this.failureMessages.set(event.assetKey, String(event.error.message ?? ''));
        this.running.delete(event.assetKey);
        this.done += 1;
        this.failed += 1;
        this.line(`${s.red('✗')} ${event.assetKey}  ${s.red('failed')} ${s.gray(formatDuration(event.durationMs))}: ${oneLine(String(event.error.message ?? 'failed'))}`, event.timestamp);
        break;
      case 'step_skipped':
        this.running.delete(event.assetKey);
        this.done += 1;
        this.skipped += 1;
        this.line(`${s.yellow('-')} ${event.assetKey}  ${s.yellow('skipped')} ${s.gray(`(${event.reason})`)}`, event.timestamp);
        break;
      case 'step_canceled':
        this.running.delete(event.assetKey);
        this.done += 1;
        this.canceled += 1;
        this.line(`${s.yellow('⊘')} ${event.assetKey}  ${s.yellow('canceled')}`, event.timestamp);
        break;
      case 'log':
        // The executor also logs each failure; the failure line already said it.
        if (event.assetKey !== undefined && event.level === 'error' && this.failureMessages.get(event.assetKey) === event.message) break;
        this.log(event.level, event.message, event.assetKey, event.timestamp);
        break;
      case 'run_end':
        this.runEnd(event.runId, event.status, event.durationMs, event.timestamp);
        break;
    }
  }

  protected runStart(_runId: string, _steps: number, _backend: string, _timestamp: string): void {}
  protected stepStart(_key: string, _reason: string, _timestamp: string): void {}
  protected runEnd(_runId: string, _status: string, _durationMs: number, _timestamp: string): void {}

  protected checkResult(key: string, check: ShownCheck, partition: string | undefined, timestamp: string): void {
    if (check.passed) return;
    const s = this.style;
    const mark = check.severity === 'error' ? s.red('✗ check') : s.yellow('! check');
    this.line(`  ${mark} ${key} ${check.name}${partition ? ` [${partition}]` : ''} ${check.severity === 'error' ? s.red('failed') : s.yellow('warned')}${check.message ? `: ${oneLine(check.message)}` : ''}`, timestamp);
  }

  protected log(level: string, message: string, key: string | undefined, timestamp: string): void {
    const important = level === 'error' || level === 'warn';
    if (!important && !this.options.verbose) return;
    const s = this.style;
    const tag = level === 'error' ? s.red(level) : level === 'warn' ? s.yellow(level) : s.gray(level);
    this.line(`  ${tag}${key ? ` [${key}]` : ''} ${oneLine(message)}`, timestamp);
  }
}

/** Timestamped lines, one per event, for CI logs and pipes. */
class PlainReporter extends BaseReporter {
  protected line(text: string, timestamp: string): void {
    this.options.out.write(`${this.style.gray(timestamp)} ${text.replace(/^ {2}/, '')}\n`);
  }

  note(line: string): void {
    this.line(line, new Date().toISOString());
  }

  stop(): void {}

  protected override runStart(runId: string, steps: number, backend: string, timestamp: string): void {
    this.line(`run ${runId} started: ${steps} step(s) on ${backend}`, timestamp);
  }

  protected override stepStart(key: string, reason: string, timestamp: string): void {
    this.line(`${this.style.cyan('▶')} ${key} ${this.style.gray(`(${this.options.checksOnly ? 'checks' : reason})`)}`, timestamp);
  }

  protected override checkResult(key: string, check: ShownCheck, partition: string | undefined, timestamp: string): void {
    const where = `${key} ${check.name}${partition ? ` [${partition}]` : ''}`;
    if (check.skipped) this.line(`  ${this.style.gray(`- check ${where} skipped (scope full-builds: the build only added rows)`)}`, timestamp);
    else if (check.passed) this.line(`  ${this.style.green('✓ check')} ${where} passed`, timestamp);
    else super.checkResult(key, check, partition, timestamp);
  }

  protected override log(level: string, message: string, key: string | undefined, timestamp: string): void {
    // CI logs are the only record of a run there, so they keep info lines too.
    if (level === 'debug' && !this.options.verbose) return;
    const s = this.style;
    const tag = level === 'error' ? s.red(level) : level === 'warn' ? s.yellow(level) : s.gray(level);
    this.line(`  ${tag}${key ? ` [${key}]` : ''} ${oneLine(message)}`, timestamp);
  }

  protected override runEnd(runId: string, status: string, durationMs: number, timestamp: string): void {
    this.line(`run ${runId} ${status} in ${formatDuration(durationMs)}`, timestamp);
  }
}

/** Redraws running assets and a progress line in place; finished assets scroll above. */
class LiveReporter extends BaseReporter {
  private pending: string[] = [];
  private rendered = 0;
  private frame = 0;
  private dirty = true;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;
  private readonly restoreCursor = () => this.options.out.write('\x1b[?25h');

  constructor(options: RunReporterOptions) {
    super(options);
    options.out.write('\x1b[?25l');
    // A forced exit (second Ctrl-C) must not leave the terminal without a cursor.
    process.once('exit', this.restoreCursor);
    this.timer = setInterval(() => this.redraw(), options.intervalMs ?? 100);
    this.timer.unref();
  }

  protected line(text: string): void {
    this.pending.push(text);
    this.dirty = true;
  }

  note(line: string): void {
    this.pending.push(line);
    this.redraw();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.running.clear();
    this.redraw(true);
    this.restoreCursor();
    process.removeListener('exit', this.restoreCursor);
  }

  private redraw(final = false): void {
    if (!this.dirty && this.running.size === 0 && !final) return;
    this.dirty = false;
    this.frame = (this.frame + 1) % SPINNER.length;
    // A pseudo-terminal may report 0 columns; assume a roomy one rather than cut everything.
    const columns = this.options.out.columns;
    const width = columns && columns >= 20 ? columns - 1 : 120;
    const height = Math.max(4, (this.options.out.rows || 24) - 2);
    const s = this.style;
    const now = Date.now();
    const live: string[] = [];
    if (!final) {
      const running = [...this.running.values()];
      const shown = running.slice(0, Math.max(1, height - 2));
      for (const r of shown) {
        const extra = r.partitions > 0 ? `  ${r.partitions} partition(s)` : r.rows !== undefined ? `  ${formatRows(r.rows)}` : '';
        live.push(`${s.cyan(SPINNER[this.frame]!)} ${r.key}  ${s.gray(`running ${formatDuration(now - r.startedAt)}${extra}`)}`);
      }
      if (running.length > shown.length) live.push(s.gray(`  … and ${running.length - shown.length} more running`));
      const parts = [`${this.done}/${this.total} done`, `${this.running.size} running`];
      if (this.failed) parts.push(s.red(`${this.failed} failed`));
      if (this.skipped) parts.push(s.yellow(`${this.skipped} skipped`));
      if (this.canceled) parts.push(s.yellow(`${this.canceled} canceled`));
      live.push(s.gray(`${parts.join(' · ')} · ${formatDuration(now - this.runStarted)}`));
    }
    let out = this.rendered > 0 ? `\x1b[${this.rendered}F\x1b[J` : '';
    for (const l of this.pending) out += `${truncate(l, width)}\n`;
    for (const l of live) out += `${truncate(l, width)}\n`;
    this.pending = [];
    this.rendered = live.length;
    this.options.out.write(out);
  }
}

function oneLine(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

/** Cuts a line to the terminal width so it never wraps (wrapping would break the redraw). */
export function truncate(text: string, width: number): string {
  if (stripAnsi(text).length <= width) return text;
  let out = '';
  let visible = 0;
  for (let i = 0; i < text.length && visible < width - 1; ) {
    // Escape sequences are copied whole and take no room.
    const esc = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i, i + 16));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    out += text[i];
    visible += 1;
    i += 1;
  }
  return `${out}…${text.includes('\x1b[') ? '\x1b[0m' : ''}`;
}
