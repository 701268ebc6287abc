import type * as SnowflakeSdk from 'snowflake-sdk';
import type { Logger } from '@assay/core';

/** The snowflake-sdk module. */
export type SnowflakeSdkModule = typeof SnowflakeSdk;

let loading: Promise<SnowflakeSdkModule> | undefined;
let sink: Logger | undefined;

/**
 * Sends the driver's own log lines to `logger` at debug level (they are already level
 * filtered and secret-masked by the driver, and Assay's logger masks registered secrets
 * again). The driver's logger is process-wide, so the most recently opened backend wins.
 */
export function setDriverLogSink(logger: Logger | undefined): void {
  sink = logger;
}

/**
 * Loads snowflake-sdk on first use. Importing it costs about half a second (it pulls in
 * cloud storage clients), so projects with a Snowflake target list assets without paying it.
 *
 * On load, the driver's logger is pointed at {@link setDriverLogSink}'s logger at level
 * `ERROR`: by default it would write to the console and to `snowflake.log` in the working
 * directory.
 */
export function loadSnowflakeSdk(): Promise<SnowflakeSdkModule> {
  loading ??= (async () => {
    // The AWS SDK the driver bundles for stage uploads warns on every process about Node
    // versions it will drop in 2027; it says nothing about this backend, so it is muted
    // unless the user set the switch either way.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const imported = (await import('snowflake-sdk')) as SnowflakeSdkModule & { default?: SnowflakeSdkModule };
    const sdk = imported.default ?? imported;
    const forward = (message: string) => sink?.debug(message, { source: 'snowflake-sdk' });
    sdk.configure({ logLevel: 'ERROR', customLogger: { error: forward, warn: forward, info: forward, debug: forward, trace: forward } });
    return sdk;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
