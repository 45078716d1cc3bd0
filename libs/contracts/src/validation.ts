import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { eventSchema, eventVersions, isPublicEventType } from './events';

export type DataValidation = { readonly ok: true } | { readonly ok: false; readonly errors: readonly string[] };

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
/** Compiled on first use and kept: a process validates with each schema many times and compiles it once. */
const compiled = new Map<string, ValidateFunction>();

function validatorFor(type: string, version: number): ValidateFunction | undefined {
  const key = `${type}@${version}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = eventSchema(type, version);
    if (!schema) return undefined;
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** One ajv error in JSON-Schema words, naming the field: `/lines/0/quantity must be >= 1`. */
export function describeSchemaError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') return `${path} must NOT have additional property '${String(error.params['additionalProperty'])}'`;
  if (error.keyword === 'const' || error.keyword === 'enum') return `${path} ${error.message} ${JSON.stringify(error.params['allowedValue'] ?? error.params['allowedValues'])}`;
  return `${path} ${error.message ?? `fails ${error.keyword}`}`;
}

/**
 * Checks an event's data against the contract schema of its type and version. A type or version the
 * contract does not describe is an error too: this is for events that claim to be public.
 */
export function validateEventData(type: string, version: number, data: unknown): DataValidation {
  if (!isPublicEventType(type)) return { ok: false, errors: [`type '${type}' is not a public event type`] };
  const validate = validatorFor(type, version);
  if (!validate) return { ok: false, errors: [`${type} has no version ${version} (known: ${eventVersions(type).join(', ')})`] };
  if (validate(data)) return { ok: true };
  return { ok: false, errors: (validate.errors ?? []).map(describeSchemaError) };
}

/**
 * What an inbound Kafka message's data breaks, for the event consumer: the contract errors of a public
 * type, nothing for a type outside the contract (a service's private or newer category is checked by envelope only).
 */
export function contractDataErrors(type: string, version: number, data: unknown): readonly string[] {
  if (!isPublicEventType(type)) return [];
  const result = validateEventData(type, version, data);
  return result.ok ? [] : result.errors;
}
