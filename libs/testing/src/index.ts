export { provisionPostgres, testDatabaseUrl, uniqueSchema, dropSchema, LOCAL_POSTGRES_URL } from './postgres';
export { dockerEngineAnswers } from './docker';
