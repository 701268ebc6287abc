import { describeBackendConformance } from '@assay/core/testing';
import { LONG_RUNNING_SQL, startServer, testBackend } from './__tests__/test-backend.js';

describeBackendConformance(
  'snowflake (snowflake-sdk against the Snowflake-protocol test server)',
  async () => {
    const server = await startServer();
    return { backend: testBackend(server), cleanup: () => server.close() };
  },
  { longRunningSql: LONG_RUNNING_SQL },
);
