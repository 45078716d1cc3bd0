import { categoryOfType } from '@bintrail/contracts';
import type { StartFrom } from './api';

/** What a subscription asks for, checked: the categories (topics) its event types live in. */
export interface SubscriptionPlan {
  readonly group: string;
  readonly types: ReadonlySet<string>;
  readonly categories: readonly string[];
  readonly from: StartFrom;
  readonly maxAttempts: number;
}

export class InvalidSubscription extends Error {
  override readonly name = 'InvalidSubscription';
}

const GROUP_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,100}$/;

/** Validates a subscription's fields; the error names the field and the rule. */
export function planSubscription(input: { group: string; events: readonly string[]; from?: StartFrom; maxAttempts?: number }): SubscriptionPlan {
  if (typeof input.group !== 'string' || !GROUP_PATTERN.test(input.group)) {
    throw new InvalidSubscription(`group must be 1-101 letters, digits, '.', '_' or '-' starting with a letter or digit, got '${String(input.group)}'`);
  }
  if (!Array.isArray(input.events) || input.events.length === 0) throw new InvalidSubscription('events must list at least one event type');
  const categories = new Set<string>();
  for (const [i, type] of input.events.entries()) {
    const category = typeof type === 'string' ? categoryOfType(type) : undefined;
    if (!category) throw new InvalidSubscription(`events[${i}] must be '<category>.<EventName>' (e.g. 'warehouse.StockPicked'), got '${String(type)}'`);
    categories.add(category);
  }
  const maxAttempts = input.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new InvalidSubscription(`maxAttempts must be a positive integer, got ${String(input.maxAttempts)}`);
  const from = input.from ?? 'beginning';
  checkStartFrom(from);
  return { group: input.group, types: new Set(input.events), categories: [...categories].sort(), from, maxAttempts };
}

function checkStartFrom(from: StartFrom): void {
  if (from === 'beginning' || from === 'live') return;
  if (typeof from === 'object' && from !== null && 'position' in from) {
    if (!Number.isInteger(from.position) || from.position < 1) throw new InvalidSubscription(`from.position must be an integer >= 1 (a global position), got ${String(from.position)}`);
    return;
  }
  if (typeof from === 'object' && from !== null && 'time' in from) {
    if (!(from.time instanceof Date) || Number.isNaN(from.time.getTime())) throw new InvalidSubscription('from.time must be a valid Date');
    return;
  }
  throw new InvalidSubscription(`from must be 'beginning', 'live', { position } or { time }, got ${JSON.stringify(from)}`);
}

/** Describes a start for logs and the checkpoint row. */
export function describeStart(from: StartFrom): string {
  if (typeof from === 'string') return from;
  return 'position' in from ? `position ${from.position}` : `time ${from.time.toISOString()}`;
}
