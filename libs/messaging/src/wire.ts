import { EVENT_ENVELOPE_SCHEMA, EVENT_HEADERS, categoryOfType, eventTopic, type RecordedEvent } from '@bintrail/contracts';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { SerializedEvent } from '@bintrail/event-store';
import type { IncomingMessage, OutgoingMessage } from './bus/port';

/** A relayed event on the wire: key = stream id, JSON envelope as value, the main fields as headers too. */
export function encodeEvent(event: RecordedEvent, topicPrefix?: string): OutgoingMessage {
  return encodeSerialized(serializeEvent(event), topicPrefix);
}

export function serializeEvent(event: RecordedEvent): SerializedEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    version: event.version,
    streamId: event.streamId,
    globalPosition: event.globalPosition,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    json: JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() }),
  };
}

/** The message for an event the store serialised already (the relay's fast path). */
export function encodeSerialized(event: SerializedEvent, topicPrefix?: string): OutgoingMessage {
  const headers: Record<string, string> = {
    [EVENT_HEADERS.eventId]: event.eventId,
    [EVENT_HEADERS.type]: event.type,
    [EVENT_HEADERS.version]: String(event.version),
    [EVENT_HEADERS.streamId]: event.streamId,
    [EVENT_HEADERS.globalPosition]: String(event.globalPosition),
    [EVENT_HEADERS.correlationId]: event.correlationId,
  };
  if (event.causationId) headers[EVENT_HEADERS.causationId] = event.causationId;
  return { topic: eventTopic(categoryOfType(event.type) ?? 'unknown', topicPrefix), key: event.streamId, value: event.json, headers };
}

/** Why an inbound message was refused before reaching a handler. */
export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
}

/** Validates data payloads by `type@version`; types with no registered schema are checked by envelope only. */
export type DataSchemas = Readonly<Record<string, object>>;

/**
 * What an event's data breaks, per type and version (empty: nothing, or no contract covers the type).
 * `contractDataErrors` of @bintrail/contracts is the platform's: the published schemas, compiled once.
 */
export type DataValidator = (type: string, version: number, data: unknown) => readonly string[];

export class EventDecoder {
  private readonly ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  private readonly envelope = this.ajv.compile(EVENT_ENVELOPE_SCHEMA);
  private readonly dataErrors: DataValidator;

  constructor(dataSchemas: DataSchemas | DataValidator = {}) {
    if (typeof dataSchemas === 'function') {
      this.dataErrors = dataSchemas;
      return;
    }
    const validators = new Map<string, ReturnType<Ajv2020['compile']>>();
    for (const [key, schema] of Object.entries(dataSchemas)) validators.set(key, this.ajv.compile(schema));
    this.dataErrors = (type, version, data) => {
      const validate = validators.get(`${type}@${version}`);
      return !validate || validate(data) ? [] : [this.ajv.errorsText(validate.errors, { dataVar: 'data' })];
    };
  }

  /** Parses and validates a message; throws InvalidMessage saying what is wrong. */
  decode(message: IncomingMessage): RecordedEvent {
    let body: unknown;
    try {
      body = JSON.parse(message.value);
    } catch (error) {
      throw new InvalidMessage(`value is not JSON: ${(error as Error).message}`);
    }
    if (!this.envelope(body)) {
      throw new InvalidMessage(`envelope does not match the event contract: ${this.ajv.errorsText(this.envelope.errors)}`);
    }
    const envelope = body as unknown as Omit<RecordedEvent, 'occurredAt'> & { occurredAt: string };
    const dataErrors = this.dataErrors(envelope.type, envelope.version, envelope.data);
    if (dataErrors.length > 0) throw new InvalidMessage(`data of ${envelope.type} v${envelope.version} is invalid: ${dataErrors.join('; ')}`);
    if (message.key && message.key !== envelope.streamId) {
      throw new InvalidMessage(`message key '${message.key}' is not the event's streamId '${envelope.streamId}'`);
    }
    return { ...envelope, occurredAt: new Date(envelope.occurredAt) };
  }
}
