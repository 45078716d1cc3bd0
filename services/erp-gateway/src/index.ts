export { startErpGateway, ERP_GATEWAY_GROUP, type RunningGateway } from './gateway';
export { loadGatewayConfig, GatewayConfigError, type GatewayConfig } from './config';
export { parseCommand, type ParsedCommand } from './inbound/command-validation';
