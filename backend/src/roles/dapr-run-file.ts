/**
 * The Dapr multi-app run file (`dapr run -f .` at the repository root, for Dapr CLI
 * users), generated from the module table: `kairos roles --dapr-run-file > dapr.yaml`.
 * A test keeps the committed dapr.yaml equal to this output.
 */
import { appIdOf, DISTRIBUTED_ROLES, localPorts, type DistributedRole } from './table.js';

export function daprRunFile(): string {
  const apps = (Object.keys(DISTRIBUTED_ROLES) as DistributedRole[]).map((role) => {
    const ports = localPorts(role);
    return [
      `  - appID: ${appIdOf(role)}`,
      `    appDirPath: ./backend`,
      `    command: ['node', 'dist/main.js', '--role', '${role}']`,
      `    appPort: ${ports.app}`,
      `    appProtocol: http`,
      `    appChannelAddress: 127.0.0.1`,
      `    appHealthCheckPath: /healthz`,
      `    enableAppHealthCheck: true`,
      `    daprHTTPPort: ${ports.daprHttp}`,
      `    daprGRPCPort: ${ports.daprGrpc}`,
      `    daprInternalGRPCPort: ${ports.daprInternalGrpc}`,
      `    metricsPort: ${ports.daprMetrics}`,
      `    env:`,
      `      PORT: '${ports.app}'`,
      `      APP_ID: ${appIdOf(role)}`,
      `      KAIROS_EVENTS: dapr`,
    ].join('\n');
  });
  return `# Generated from the module table (backend/src/roles/table.ts) by
#   node backend/dist/main.js roles --dapr-run-file > dapr.yaml
# and checked against it by backend/test/roles/table.test.ts: edit the table, not this file.
#
# The distributed mode for Dapr CLI users: \`npm run build\`, then \`dapr run -f .\` starts every
# role beside its own sidecar, on the same ports as deploy/local/stack.sh. PostgreSQL and
# Kafka must be running (bash deploy/local/postgres.sh start; bash deploy/local/kafka.sh start)
# with the Dapr scheduler (dapr init, or deploy/local/dapr-control-plane.sh), and the local
# secret store's file, kairos-secrets.json (database URL, Kafka brokers, SMTP, auth secret;
# see deploy/local/run-with-sidecar.sh), must be in the sidecars' working directory.
version: 1
common:
  resourcesPaths:
    - ./deploy/dapr/components
    - ./deploy/dapr/subscriptions
    - ./deploy/dapr/resiliency
  configFilePath: ./deploy/dapr/config.yaml
apps:
${apps.join('\n')}
`;
}
