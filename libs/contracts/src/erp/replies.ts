import { Type, type Static } from '@sinclair/typebox';

/**
 * Replies on `<prefix>.erp.replies`, keyed by the command's correlation id: exactly one answer per
 * command (a redelivered command gets the same reply again). Accepted carries the ids the command
 * created; rejected names the field and the rule, in the JSON Schema's words or the API's.
 */

const correlationId = Type.String({ description: "The command's correlation id" });

export const ErpCommandAccepted = Type.Object(
  {
    correlationId,
    idempotencyKey: Type.String(),
    commandType: Type.String(),
    status: Type.Literal('accepted'),
    result: Type.Record(Type.String(), Type.Unknown(), {
      description: 'What the command created or changed, with its ids: UpsertItem {sku, revision, changed}, PlaceSalesOrder {orderId, lineIds, status}, ' +
        'RegisterExpectedReceipt {asnId, status}, CancelOrder {orderId, status}, RequestTransfer {transferId, status}',
    }),
    position: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Global log position of the last event the command caused (compare with asOfPosition)' }),
  },
  { additionalProperties: false, $id: 'https://bintrail.dev/schemas/erp/CommandAccepted.json' },
);

export const ErpCommandRejected = Type.Object(
  {
    correlationId,
    /** Null when the message was unreadable. */
    idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    commandType: Type.Union([Type.String(), Type.Null()]),
    status: Type.Literal('rejected'),
    reason: Type.String({ description: 'Why, naming the field and the rule (all errors joined with "; ")' }),
    errors: Type.Array(Type.String(), { description: 'One entry per field and rule broken' }),
    code: Type.Optional(Type.String({ description: "The platform's error code, when it gave one (e.g. ItemNotRegistered)" })),
  },
  { additionalProperties: false, $id: 'https://bintrail.dev/schemas/erp/CommandRejected.json' },
);

export const ErpReply = Type.Union([ErpCommandAccepted, ErpCommandRejected]);

export type ErpCommandAccepted = Static<typeof ErpCommandAccepted>;
export type ErpCommandRejected = Static<typeof ErpCommandRejected>;
export type ErpReply = Static<typeof ErpReply>;
