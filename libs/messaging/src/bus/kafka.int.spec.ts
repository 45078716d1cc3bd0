import { testKafkaBrokers } from '@bintrail/testing';
import { describeBusContract } from './contract/bus-contract-suite';
import { KafkaBus } from './kafka';

describeBusContract('Kafka (kafkajs, real broker)', { open: async () => new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'bus-contract' }) });
