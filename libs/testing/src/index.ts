export { provisionPostgres, testDatabaseUrl, uniqueSchema, dropSchema, LOCAL_POSTGRES_URL } from './postgres';
export { provisionKafka, testKafkaBrokers, kafkaLocal, KAFKA_SCRIPT } from './kafka';
export { dockerEngineAnswers } from './docker';
export { recordedEvents, type RecordedEventsOptions } from './recorded-events';
