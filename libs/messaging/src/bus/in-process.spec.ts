import { InProcessBus } from './in-process';
import { describeBusContract } from './contract/bus-contract-suite';

describeBusContract('in-process', { open: async () => new InProcessBus({ redeliveryDelayMs: 5 }) });
