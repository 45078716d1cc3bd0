import { createLogger } from '@bintrail/observability';
import { GatewayConfigError, loadGatewayConfig } from './config';
import { startErpGateway } from './gateway';

/** `npm run erp-gateway`: the ERP gateway as its own process, next to a running platform. */
async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ service: 'erp-gateway', write: (line) => process.stdout.write(line) });
  const gateway = await startErpGateway(config, logger);
  const shutdown = async (signal: string): Promise<void> => {
    logger.info(`${signal}: stopping the ERP gateway`);
    await gateway.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof GatewayConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`erp-gateway failed to start: ${message}\n`);
  process.exit(1);
});
