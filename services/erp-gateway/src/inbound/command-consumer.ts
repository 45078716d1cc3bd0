import {
  ERP_HEADERS,
  ERP_MESSAGE_TYPES,
  erpCommandDeadLetterTopic,
  erpCommandTopic,
  erpReplyTopic,
  type ErpCommandRejected,
  type ErpReply,
} from '@bintrail/contracts';
import { deadLetterMessage, type IncomingMessage, type MessageBus, type RunningConsumer } from '@bintrail/messaging';
import type { Logger } from '@bintrail/observability';
import { PlatformUnavailable, untilAvailable, type PlatformClient } from '../platform-client';
import { parseCommand } from './command-validation';
import { isTransient, replyFor, requestFor } from './command-routes.domain';

export interface CommandConsumerOptions {
  readonly bus: MessageBus;
  readonly platform: PlatformClient;
  readonly prefix: string;
  /** The gateway's group on the command topic (one per platform sharing the broker). */
  readonly groupId: string;
  readonly logger: Logger;
  /** Aborted when the gateway stops: a command waiting for the platform gives up (uncommitted, so it comes again). */
  readonly signal: AbortSignal;
}

/**
 * The inbound side: each command message is read and validated before anything is called, carried out
 * through the platform's HTTP API with its idempotency key, and answered on the reply topic. What cannot
 * be read or validated is answered "rejected" (when a correlation id can be read) and always parked in
 * the command DLQ with the reason; the consumer goes on with the next message. While the platform is
 * unreachable or answers 5xx the message is retried with backoff (the partition waits), never rejected.
 */
export async function startCommandConsumer(options: CommandConsumerOptions): Promise<RunningConsumer> {
  const { bus, platform, prefix, groupId, signal } = options;
  const log = options.logger.child({ consumerGroup: groupId });
  const replyTopic = erpReplyTopic(prefix);

  const reply = async (message: ErpReply): Promise<void> => {
    await bus.publish([
      {
        topic: replyTopic,
        key: message.correlationId,
        value: JSON.stringify(message),
        headers: { [ERP_HEADERS.correlationId]: message.correlationId, [ERP_HEADERS.messageType]: message.status === 'accepted' ? ERP_MESSAGE_TYPES.accepted : ERP_MESSAGE_TYPES.rejected },
      },
    ]);
  };

  const deadLetter = async (message: IncomingMessage, reason: string): Promise<void> => {
    await bus.publish([deadLetterMessage(message, { reason, group: groupId, attempts: 0, topic: erpCommandDeadLetterTopic(prefix) })]);
  };

  const handle = async (message: IncomingMessage): Promise<void> => {
    const parsed = parseCommand(message.value, message.headers);
    if (!parsed.ok) {
      const { readable, errors } = parsed;
      const reason = errors.join('; ');
      log.warn('command refused before reaching the platform', { correlationId: readable.correlationId, offset: message.offset, partition: message.partition, reason });
      if (readable.correlationId !== undefined) {
        const rejected: ErpCommandRejected = { correlationId: readable.correlationId, idempotencyKey: readable.idempotencyKey, commandType: readable.commandType, status: 'rejected', reason, errors: [...errors] };
        await reply(rejected);
      }
      await deadLetter(message, reason);
      return;
    }
    const { command } = parsed;
    const commandLog = log.child({ correlationId: command.correlationId, idempotencyKey: command.idempotencyKey, commandType: command.type });
    const request = requestFor(command);
    const answer = await untilAvailable(
      async () => {
        const answered = await platform.command(request, command);
        if (isTransient(answered.status)) throw new PlatformUnavailableAnswer(answered.status, answered.body);
        return answered;
      },
      { signal, logger: commandLog },
    );
    const answerReply = replyFor(command, answer);
    commandLog.info(answerReply.status === 'accepted' ? 'command accepted' : 'command rejected by the platform', {
      httpStatus: answer.status,
      ...(answer.replayed ? { replayed: true } : {}),
      ...(answerReply.status === 'rejected' ? { reason: answerReply.reason } : { result: answerReply.result }),
    });
    await reply(answerReply);
  };

  const consumer = await bus.consume({ groupId, topics: [erpCommandTopic(prefix)], handler: handle });
  log.info('reading ERP commands', { topic: erpCommandTopic(prefix), replies: replyTopic });
  return consumer;
}


/** A 5xx (or 408/425/429) answer: the command did not run to a definite end; retried, never rejected. */
class PlatformUnavailableAnswer extends PlatformUnavailable {
  constructor(status: number, body: unknown) {
    super(`the platform answered ${status}: ${JSON.stringify(body)}`);
  }
}
