import { InMemoryEventStore } from './in-memory';
import { describeEventStoreContract } from './testing';

describeEventStoreContract('in-memory', { open: async () => new InMemoryEventStore() });
