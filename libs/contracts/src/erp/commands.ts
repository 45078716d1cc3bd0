import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The commands an ERP sends on `<prefix>.erp.commands`, as JSON Schema (draft 2020-12) with their
 * TypeScript types derived from the same definitions. Each payload mirrors the body of the HTTP route
 * the command maps to, with the same limits, so a command that passes here is not refused for its shape.
 */

/** The SKU rule of PUT /items/:sku. */
const SKU_RULE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** Correlation ids the platform keeps as given (service-kit's correlationIdOf); others would be replaced. */
export const CORRELATION_ID_RULE = '^[A-Za-z0-9._:-]{1,128}$';

const sku = Type.String({ minLength: 1, maxLength: 64, description: 'The SKU, as registered with UpsertItem' });
const quantity = Type.Integer({ minimum: 1, description: 'Units, a whole number of at least 1' });
const warehouse = Type.String({ minLength: 1, maxLength: 32, description: 'Warehouse code' });
const line = Type.Object({ sku, quantity }, { additionalProperties: false });
const lines = Type.Array(line, { minItems: 1, maxItems: 200 });

export const UpsertItemPayload = Type.Object(
  {
    sku: Type.String({ pattern: SKU_RULE, description: '1-64 letters, digits, dot, dash or underscore, starting with a letter or digit' }),
    description: Type.String({ minLength: 1, maxLength: 500 }),
    unit: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,15}$', description: "A lower-case unit of measure such as 'each', 'box' or 'kg'" }),
  },
  { additionalProperties: false, description: 'Registers the SKU or updates its description and unit (PUT /items/:sku)' },
);

export const PlaceSalesOrderPayload = Type.Object(
  { lines, customerRef: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "The ERP's own order reference" })) },
  { additionalProperties: false, description: 'Places a sales order (POST /orders); allocation runs asynchronously, watch order-status.v1' },
);

export const RegisterExpectedReceiptPayload = Type.Object(
  { warehouse, lines, eta: Type.String({ minLength: 1, maxLength: 64, description: 'When the goods are expected (ISO 8601)' }) },
  { additionalProperties: false, description: 'Announces goods on their way to a warehouse, an ASN (POST /expected-receipts): in transit until received' },
);

export const CancelOrderPayload = Type.Object(
  { orderId: Type.String({ format: 'uuid', description: 'The orderId of the PlaceSalesOrder reply' }), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false, description: 'Cancels an order (POST /orders/:id/cancel): its reserved units are released, its back-orders dropped' },
);

export const RequestTransferPayload = Type.Object(
  { sku, quantity, fromWarehouse: warehouse, toWarehouse: warehouse },
  { additionalProperties: false, description: 'Moves stock between warehouses (POST /transfers): allocated and picked at the source, in transit until received' },
);

/** Each command type with its payload schema. */
export const ERP_COMMAND_PAYLOADS = {
  UpsertItem: UpsertItemPayload,
  PlaceSalesOrder: PlaceSalesOrderPayload,
  RegisterExpectedReceipt: RegisterExpectedReceiptPayload,
  CancelOrder: CancelOrderPayload,
  RequestTransfer: RequestTransferPayload,
} as const;

export type ErpCommandType = keyof typeof ERP_COMMAND_PAYLOADS;
export const ERP_COMMAND_TYPES = Object.keys(ERP_COMMAND_PAYLOADS) as ErpCommandType[];

const idempotencyKey = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Chosen by the ERP, unique per intended change: a command sent again with the same key gets the first reply and changes nothing',
});
const correlationId = Type.String({ pattern: CORRELATION_ID_RULE, description: 'Chosen by the ERP; the reply carries it (and is keyed by it)' });

/**
 * What every command message has, whatever its type: checked first, so that an unknown type is named as
 * such (not as a mismatch against five schemas). The payload is checked against its type's schema next.
 */
export const ErpCommandEnvelope = Type.Object(
  {
    type: Type.Unsafe<ErpCommandType>({ type: 'string', enum: ERP_COMMAND_TYPES, description: 'The command type' }),
    idempotencyKey,
    correlationId,
    payload: Type.Object({}, { description: "The command's data; its schema depends on `type`" }),
  },
  { additionalProperties: false },
);

function commandSchema<T extends ErpCommandType, P extends TSchema>(type: T, payload: P) {
  return Type.Object({ type: Type.Literal(type), idempotencyKey, correlationId, payload }, { additionalProperties: false, $id: `https://bintrail.dev/schemas/erp/${type}.json` });
}

export const UpsertItemCommand = commandSchema('UpsertItem', UpsertItemPayload);
export const PlaceSalesOrderCommand = commandSchema('PlaceSalesOrder', PlaceSalesOrderPayload);
export const RegisterExpectedReceiptCommand = commandSchema('RegisterExpectedReceipt', RegisterExpectedReceiptPayload);
export const CancelOrderCommand = commandSchema('CancelOrder', CancelOrderPayload);
export const RequestTransferCommand = commandSchema('RequestTransfer', RequestTransferPayload);

/** The whole message schema of each command type. */
export const ERP_COMMAND_SCHEMAS = {
  UpsertItem: UpsertItemCommand,
  PlaceSalesOrder: PlaceSalesOrderCommand,
  RegisterExpectedReceipt: RegisterExpectedReceiptCommand,
  CancelOrder: CancelOrderCommand,
  RequestTransfer: RequestTransferCommand,
} as const satisfies Record<ErpCommandType, TSchema>;

export type UpsertItemCommand = Static<typeof UpsertItemCommand>;
export type PlaceSalesOrderCommand = Static<typeof PlaceSalesOrderCommand>;
export type RegisterExpectedReceiptCommand = Static<typeof RegisterExpectedReceiptCommand>;
export type CancelOrderCommand = Static<typeof CancelOrderCommand>;
export type RequestTransferCommand = Static<typeof RequestTransferCommand>;
export type ErpCommand = UpsertItemCommand | PlaceSalesOrderCommand | RegisterExpectedReceiptCommand | CancelOrderCommand | RequestTransferCommand;
