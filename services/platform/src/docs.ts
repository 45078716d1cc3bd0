import { RequestMethod, type INestApplication } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { Logger } from '@bintrail/observability';
import {
  controllerRoutes,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENT_REPLAYED_HEADER,
  LAG_HEADER,
  MIN_POSITION_PARAM,
  POSITION_HEADER,
  READ_POSITION_HEADER,
  readModelsOf,
  type ControllerRoute,
} from '@bintrail/service-kit';

/** Where Swagger UI is served; the OpenAPI document itself is at `/docs-json` (and `/docs-yaml`). */
export const DOCS_PATH = 'docs';

/** The packages that serve the API documentation (not a hard dependency: without them /docs is simply off). */
export const SWAGGER_PACKAGES = ['@nestjs/swagger@11.4.7', '@fastify/static@10.1.11'] as const;

/** The little of an OpenAPI 3 document this file reads and writes. */
export interface OpenApiSchema {
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  [keyword: string]: unknown;
}
interface OpenApiParameter {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: OpenApiSchema;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  responses?: Record<string, { description?: string; headers?: Record<string, { description?: string; schema?: OpenApiSchema }> }>;
  description?: string;
  [field: string]: unknown;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
  [field: string]: unknown;
}

/** What this file uses of @nestjs/swagger (loaded only when installed). */
interface DocumentBuilderLike {
  setTitle(title: string): DocumentBuilderLike;
  setDescription(description: string): DocumentBuilderLike;
  setVersion(version: string): DocumentBuilderLike;
  build(): unknown;
}
interface SwaggerPackage {
  DocumentBuilder: new () => DocumentBuilderLike;
  SwaggerModule: {
    createDocument(app: INestApplication, config: unknown): OpenApiDocument;
    setup(path: string, app: INestApplication, document: OpenApiDocument, options?: Record<string, unknown>): void;
  };
}

/**
 * Swagger UI at /docs and the OpenAPI document at /docs-json, when @nestjs/swagger (and @fastify/static,
 * which serves the UI's files on Fastify) are installed; otherwise a log line says /docs is off. DTO
 * schemas come from their class-validator decorators (the Swagger CLI plugin does not run under SWC),
 * and every operation documents the platform-wide conventions: minPosition and the read-position headers
 * on GETs that read a read model, Idempotency-Key and bintrail-position on commands.
 * Must run before `app.listen` (Fastify takes no routes once it is ready).
 */
export async function setupApiDocs(app: INestApplication, logger: Logger): Promise<boolean> {
  let swagger: SwaggerPackage;
  try {
    swagger = (await import(SWAGGER_MODULE)) as SwaggerPackage;
    await import(FASTIFY_STATIC_MODULE);
  } catch {
    logger.info(`API docs at /${DOCS_PATH} are off: install ${SWAGGER_PACKAGES.join(' ')} to serve them`);
    return false;
  }
  const config = new swagger.DocumentBuilder()
    .setTitle('Bintrail')
    .setDescription(API_DESCRIPTION)
    .setVersion('0.1.0')
    .build();
  const document = swagger.SwaggerModule.createDocument(app, config);
  documentConventions(document, controllerRoutes(app));
  swagger.SwaggerModule.setup(DOCS_PATH, app, document);
  logger.info(`API docs at /${DOCS_PATH} (OpenAPI document at /${DOCS_PATH}-json)`);
  return true;
}

// Module names in variables: the type check must not require packages that are optional.
const SWAGGER_MODULE = '@nestjs/swagger';
const FASTIFY_STATIC_MODULE = '@fastify/static';

const API_DESCRIPTION = [
  'Event-sourced inventory and warehouse platform.',
  '',
  `**Read-your-writes.** Every command answers with \`${POSITION_HEADER}\`: the global position of the last event it caused.`,
  `A GET given \`?${MIN_POSITION_PARAM}=<that position>\` waits (bounded, 2 s by default) until its read model has reached it,`,
  `or answers 503 with \`Retry-After\`. Every GET that reads a read model carries \`${READ_POSITION_HEADER}\` (the read model's`,
  `checkpoint) and \`${LAG_HEADER}\` (how many positions the log's head is ahead of it).`,
  '',
  `**Retries.** A POST/PUT/PATCH/DELETE with \`Idempotency-Key\` (1-${IDEMPOTENCY_KEY_MAX_LENGTH} characters) runs once: a retry with`,
  `the same key, method, path and body gets the first answer again (\`${IDEMPOTENT_REPLAYED_HEADER}: true\`) and changes nothing;`,
  'the same key with another request is refused with 422. Answers are kept 24 h (2xx, 3xx and 4xx; never 5xx).',
].join('\n');

/**
 * Adds to an OpenAPI document what Nest's decorators cannot say: DTO schemas from class-validator, and the
 * platform's HTTP conventions (minPosition, read-position headers, Idempotency-Key, bintrail-position).
 */
export function documentConventions(document: OpenApiDocument, routes: readonly ControllerRoute[]): OpenApiDocument {
  const schemas = (document.components ??= {}).schemas ??= {};
  for (const dto of dtoClasses(routes)) {
    const fromValidation = validationSchema(dto);
    const existing = schemas[dto.name];
    if (!existing || Object.keys(existing.properties ?? {}).length === 0) schemas[dto.name] = { ...existing, ...fromValidation };
  }
  for (const route of routes) {
    const operation = document.paths[openApiPath(route.path)]?.[RequestMethod[route.method].toLowerCase()];
    if (!operation) continue;
    if (route.method === RequestMethod.GET) {
      const readModels = readModelsOf(route);
      addParameter(operation, {
        name: MIN_POSITION_PARAM,
        in: 'query',
        required: false,
        description: readModels
          ? `Wait (bounded) until the read model (${readModels.join(', ')}) has reached this global position — a command's ${POSITION_HEADER} — then answer; 503 with Retry-After if it does not in time.`
          : 'Accepted and ignored: this answer is not read from a read model.',
        schema: { type: 'integer', minimum: 0 },
      });
      if (!readModels) continue;
      for (const response of Object.values(operation.responses ?? {})) {
        response.headers = {
          ...response.headers,
          [READ_POSITION_HEADER]: { description: 'Checkpoint of the read model the answer was read from.', schema: { type: 'integer' } },
          [LAG_HEADER]: { description: "Positions the log's head is ahead of that checkpoint (0 = caught up).", schema: { type: 'integer' } },
        };
      }
      operation.responses = {
        ...operation.responses,
        '503': { description: `The read model had not reached ${MIN_POSITION_PARAM} in time; retry after Retry-After seconds.` },
      };
    } else {
      addParameter(operation, {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Makes a retry safe: the same key with the same method, path and body gets the first answer again; with another request, 422.',
        schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
      });
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!status.startsWith('2')) continue;
        response.headers = {
          ...response.headers,
          [POSITION_HEADER]: { description: 'Global position of the last event the command caused (use as minPosition).', schema: { type: 'integer' } },
        };
      }
      operation.responses = { ...operation.responses, '422': { description: 'The Idempotency-Key was already used for a different request.' } };
    }
  }
  return document;
}

/** A DTO's JSON schema from its class-validator decorators (the common ones; others leave the property untyped). */
export function validationSchema(dto: abstract new (...args: never[]) => unknown): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {};
  const optional = new Set<string>();
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dto as unknown as new () => unknown, '', true, false);
  for (const m of metadatas) {
    const property = (properties[m.propertyName] ??= {});
    const [a, b] = m.constraints ?? [];
    const target = m.each ? ((property.items ??= {}) as OpenApiSchema) : property;
    if (m.each) property.type = 'array';
    switch (m.name) {
      case 'isOptional':
        optional.add(m.propertyName);
        break;
      case 'isString':
        target.type = 'string';
        break;
      case 'isNotEmpty':
        if (target.type === undefined || target.type === 'string') target.minLength = Math.max(Number(target.minLength ?? 0), 1);
        break;
      case 'minLength':
        target.minLength = a;
        break;
      case 'maxLength':
        target.maxLength = a;
        break;
      case 'isLength':
        target.minLength = a;
        if (b !== undefined) target.maxLength = b;
        break;
      case 'matches':
        target.pattern = a instanceof RegExp ? a.source : String(a);
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'isNumber':
        target.type ??= 'number';
        break;
      case 'isPositive':
        target.exclusiveMinimum = 0;
        break;
      case 'min':
        target.minimum = a;
        break;
      case 'max':
        target.maximum = a;
        break;
      case 'isBoolean':
        target.type = 'boolean';
        break;
      case 'isUUID':
        target.type = 'string';
        target.format = 'uuid';
        break;
      case 'isDateString':
      case 'isISO8601':
        target.type = 'string';
        target.format = 'date-time';
        break;
      case 'isIn':
        target.enum = [...(a as unknown[])];
        break;
      case 'isEnum':
        target.enum = [...new Set(Object.values(a as Record<string, unknown>).filter((v) => typeof v !== 'number' || !Number.isNaN(v)))];
        break;
      case 'isArray':
        property.type = 'array';
        break;
      case 'arrayMinSize':
        property.minItems = a;
        break;
      case 'arrayMaxSize':
        property.maxItems = a;
        break;
      case 'isObject':
        target.type = 'object';
        break;
      default:
        break;
    }
    if (property.type === 'array') property.items ??= {};
  }
  const required = Object.keys(properties).filter((name) => !optional.has(name));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/** Classes taken by the routes' handlers (bodies, queries) that carry class-validator decorators. */
function dtoClasses(routes: readonly ControllerRoute[]): (abstract new (...args: never[]) => unknown)[] {
  const found = new Set<abstract new (...args: never[]) => unknown>();
  for (const route of routes) {
    const types = (Reflect.getMetadata('design:paramtypes', route.controller.prototype as object, route.handlerName) ?? []) as unknown[];
    for (const type of types) {
      if (typeof type !== 'function' || BUILT_INS.has(type)) continue;
      const dto = type as abstract new (...args: never[]) => unknown;
      if (getMetadataStorage().getTargetValidationMetadatas(dto as unknown as new () => unknown, '', true, false).length > 0) found.add(dto);
    }
  }
  return [...found];
}

const BUILT_INS = new Set<unknown>([String, Number, Boolean, Object, Array, Date, Promise]);

/** `/items/:sku` → `/items/{sku}` (OpenAPI's path templates). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function addParameter(operation: OpenApiOperation, parameter: OpenApiParameter): void {
  const parameters = (operation.parameters ??= []);
  if (!parameters.some((p) => p.in === parameter.in && p.name.toLowerCase() === parameter.name.toLowerCase())) parameters.push(parameter);
}
