import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ERP_COMMAND_SCHEMAS, ERP_COMMAND_TYPES, ERP_HEADERS, ErpCommandEnvelope, type ErpCommand, type ErpCommandType } from '@bintrail/contracts';

/** What could be read of a command message, even a broken one: enough to address a rejection. */
export interface ReadableParts {
  readonly correlationId: string | undefined;
  readonly idempotencyKey: string | null;
  readonly commandType: string | null;
}

export type ParsedCommand =
  | { readonly ok: true; readonly command: ErpCommand }
  | { readonly ok: false; readonly errors: readonly string[]; readonly readable: ReadableParts };

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const envelope = ajv.compile(ErpCommandEnvelope);
const byType = Object.fromEntries(ERP_COMMAND_TYPES.map((type) => [type, ajv.compile(ERP_COMMAND_SCHEMAS[type])])) as Record<ErpCommandType, ValidateFunction>;

/**
 * Reads a command message: JSON, then the envelope (so an unknown type is named as such), then the
 * payload against its type's schema. Errors are in ajv's words with the JSON pointer of the field
 * (`/payload/lines/0/quantity must be >= 1`), all of them, not only the first.
 */
export function parseCommand(value: string, headers: Readonly<Record<string, string>>): ParsedCommand {
  const headerCorrelationId = headers[ERP_HEADERS.correlationId] || undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    return { ok: false, errors: [`message is not JSON: ${(error as Error).message}`], readable: { correlationId: headerCorrelationId, idempotencyKey: null, commandType: null } };
  }
  const readable = readableParts(json, headerCorrelationId);
  if (!envelope(json)) return { ok: false, errors: describe(envelope.errors), readable };
  const validate = byType[(json as { type: ErpCommandType }).type];
  if (!validate(json)) return { ok: false, errors: describe(validate.errors), readable };
  return { ok: true, command: json as ErpCommand };
}

/** The correlation id (body first, else the header), idempotency key and type, where they are strings. */
function readableParts(json: unknown, headerCorrelationId: string | undefined): ReadableParts {
  const body = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    correlationId: text(body.correlationId) ?? headerCorrelationId,
    idempotencyKey: text(body.idempotencyKey) ?? null,
    commandType: text(body.type) ?? null,
  };
}

/** ajv's errors as `<pointer> <message>`, with the value that makes the message complete (the extra property, the allowed values). */
export function describe(errors: readonly ErrorObject[] | null | undefined): string[] {
  const described = (errors ?? []).map((e) => {
    const where = e.instancePath || '/';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') return `${where} must NOT have additional properties ('${String(params.additionalProperty)}')`;
    if (e.keyword === 'enum') return `${where} ${e.message ?? 'is invalid'}: ${(params.allowedValues as unknown[]).join(', ')}`;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
  return [...new Set(described)];
}
