/**
 * Test helpers for event store adapters: the one contract suite every adapter must pass.
 * Import from `@bintrail/event-store/testing` in test files only.
 */
export { describeEventStoreContract, type ContractTarget } from './contract/contract-suite';
export { collectUntil } from './contract/collect';
export { readModelDatabases, type ReadModelDatabase } from './sql/read-model-databases.test-helper';
