import { describeBackendConformance } from '@assay/core/testing';
import { startServer, testBackend } from './__tests__/test-backend.js';

describeBackendConformance('snowflake (snowflake-sdk against the Snowflake-protocol test server)', async () => {
  const server = await startServer();
  return { backend: testBackend(server), cleanup: () => server.close() };
});
