/**
 * JSON Schema (draft 2020-12) of an event as it travels on Kafka (the message value).
 * Published for ERP integrators; inbound messages are validated against it before any handler runs.
 */
export const EVENT_ENVELOPE_SCHEMA = {
  $id: 'https://bintrail.dev/schemas/event-envelope.json',
  type: 'object',
  required: ['type', 'version', 'eventId', 'streamId', 'streamPosition', 'globalPosition', 'occurredAt', 'data', 'metadata'],
  properties: {
    type: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[A-Z][A-Za-z0-9]*$' },
    version: { type: 'integer', minimum: 1 },
    eventId: { type: 'string', format: 'uuid' },
    streamId: { type: 'string', minLength: 1 },
    streamPosition: { type: 'integer', minimum: 1 },
    globalPosition: { type: 'integer', minimum: 1 },
    occurredAt: { type: 'string', format: 'date-time' },
    data: {},
    metadata: {
      type: 'object',
      required: ['correlationId', 'causationId', 'actor', 'source'],
      properties: {
        correlationId: { type: 'string', minLength: 1 },
        causationId: { type: ['string', 'null'] },
        actor: { type: 'string', minLength: 1 },
        source: { type: 'string', minLength: 1 },
      },
    },
  },
  additionalProperties: false,
} as const;
