import fc from 'fast-check';
import { accountedFor, OrderNotCancellable, type Order, type OrderState } from '../orders/order.domain';
import type { AllocationManagerEvent, AllocationManagerState, Reaction } from './allocation-manager.domain';
import { backOrdersOf } from './back-order-queue.domain';
import { OrderFlow } from './order-flow.test-helper';

/**
 * Random days of the order flow: orders placed (at random times of day, so the order they are placed
 * in is not their age), stock received in random warehouses, cancels (some before any warehouse
 * answered), picks (some short), dispatches and redelivered events; the outbox delivers commands in
 * a random order and some twice. Warehouses answer with what they have, so most answers are partial.
 * After every decision every ordered unit is somewhere, and nothing is negative; once the messages
 * are delivered the orders, the warehouses and the back-order queue agree, and a receipt has filled
 * exactly the oldest back-orders of its SKU.
 */
const WAREHOUSES = ['WH1', 'WH2', 'WH3'];
const SKUS = ['S1', 'S2'];

type Step =
  | { readonly kind: 'place'; readonly lines: readonly { sku: string; quantity: number }[]; readonly warehouses: readonly string[]; readonly minute: number }
  | { readonly kind: 'receive'; readonly warehouse: string; readonly sku: string; readonly quantity: number }
  | { readonly kind: 'cancel'; readonly order: number }
  | { readonly kind: 'pick'; readonly line: number; readonly part: number; readonly missing: number }
  | { readonly kind: 'dispatch'; readonly line: number }
  | { readonly kind: 'redeliver'; readonly index: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 3 }),
      warehouses: fc.shuffledSubarray(WAREHOUSES, { minLength: 1 }),
      minute: fc.integer({ min: 0, max: 59 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('receive' as const), warehouse: fc.constantFrom(...WAREHOUSES), sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(30) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pick' as const), line: fc.nat(30), part: fc.nat(9), missing: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispatch' as const), line: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), index: fc.nat(10_000) }) },
);

/** Plain checks, not `expect`: they run after each of thousands of decisions, and must stay cheap. */
function check(holds: boolean, broken: string, details: () => unknown): void {
  if (!holds) throw new Error(`invariant broken: ${broken} ${JSON.stringify(details())}`);
}

const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

function checkOrder(state: OrderState): void {
  if (!state.exists) return;
  for (const l of state.lines) {
    const where = () => ({ orderId: state.orderId, line: l });
    const counts = [l.toAllocate, l.awaiting, l.allocated, l.backOrdered, l.cancelled, l.shipped, l.picked];
    check(counts.every((n) => Number.isSafeInteger(n) && n >= 0), 'never negative', where);
    check(accountedFor(l) === l.ordered, 'ordered == allocated + back-ordered + awaiting + cancelled + shipped', where);
    check(l.toAllocate === 0, 'every unit placed by the end of a decision', where);
    check(l.picked <= l.allocated, 'picked ≤ allocated', where);
    check(sum(l.attempts.map((a) => a.held)) === l.allocated, 'allocated == what the attempts hold', where);
    check(sum(l.attempts.map((a) => a.picked)) === l.picked, 'picked == what the attempts staged', where);
    check(sum(l.attempts.filter((a) => !a.answered).map((a) => a.requested)) === l.awaiting, 'awaiting == unanswered requests', where);
    check(l.attempts.every((a) => a.held >= a.picked && a.picked >= 0), 'an attempt holds what it staged', where);
    if (state.cancelled) check(l.allocated === 0 && l.backOrdered === 0, 'nothing allocated or back-ordered after a cancel', where);
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The back-orders of a SKU as the order streams have them, oldest order first: the truth the queue must match. */
function backOrdersInOrders(flow: OrderFlow, sku: string) {
  return [...flow.orders.values()]
    .filter((o): o is Order => o.exists && !o.cancelled)
    .flatMap((o) => o.lines.filter((l) => l.sku === sku && l.backOrdered > 0).map((l) => ({ orderId: o.orderId, lineId: l.lineId, placedAt: o.placedAt, quantity: l.backOrdered })))
    .sort((a, b) => compareText(a.placedAt, b.placedAt) || compareText(a.orderId, b.orderId) || compareText(a.lineId, b.lineId));
}

/** A wake-up asks the queue's oldest lines, each in full before the next, and never more than the queue holds. */
function checkRetries(before: AllocationManagerState, event: AllocationManagerEvent, reaction: Reaction): void {
  const retries = reaction.commands.flatMap((c) => (c.command.type === 'RetryBackOrder' ? [c.command] : []));
  if (retries.length === 0) return;
  const queue = backOrdersOf(before.backOrderQueue, (event.data as { sku: string }).sku);
  retries.forEach((r, i) => {
    const entry = queue[i];
    const where = () => ({ retries, queue });
    check(entry !== undefined && entry.orderId === r.orderId && entry.lineId === r.lineId, 'retries go to the oldest back-orders, in order', where);
    check(r.quantity > 0 && r.quantity <= entry!.quantity && (i === retries.length - 1 || r.quantity === entry!.quantity), 'an older back-order is asked in full first', where);
  });
}

function checkSettled(flow: OrderFlow): void {
  for (const o of flow.orders.values()) {
    if (!o.exists) continue;
    for (const l of o.lines) {
      const where = () => ({ orderId: o.orderId, line: l });
      check(l.awaiting === 0, 'every request answered', where);
      if (o.cancelled) check(l.cancelled === l.ordered, 'a cancelled line is all cancelled', where);
      else check(l.allocated + l.backOrdered + l.shipped === l.ordered, 'allocated + back-ordered + shipped == ordered', where);
      for (const a of l.attempts) {
        const warehouse = flow.heldBy(a.warehouse, o.orderId, a.allocationLineId);
        check(warehouse?.held === a.held && warehouse.staged === a.picked, 'the warehouse holds what the order thinks it holds', () => ({ ...where(), a, warehouse }));
      }
    }
  }
  for (const sku of SKUS) {
    const queue = backOrdersOf(flow.manager.backOrderQueue, sku).filter((b) => b.quantity > 0);
    check(JSON.stringify(queue) === JSON.stringify(backOrdersInOrders(flow, sku)), 'the queue is the back-orders, oldest first', () => ({ queue, orders: backOrdersInOrders(flow, sku) }));
    for (const w of WAREHOUSES) check(flow.free(w, sku) >= 0, 'no warehouse below zero', () => ({ w, sku }));
  }
}

/** Stock received with nothing else going on: the oldest back-orders of the SKU get it, each in full before the next. */
function checkFilledOldestFirst(before: ReturnType<typeof backOrdersInOrders>, flow: OrderFlow, sku: string, quantity: number): void {
  let budget = quantity;
  const expected = before.map((b) => {
    const filled = Math.min(b.quantity, budget);
    budget -= filled;
    return { ...b, quantity: b.quantity - filled };
  });
  const after = new Map(backOrdersInOrders(flow, sku).map((b) => [`${b.orderId}/${b.lineId}`, b.quantity]));
  const actual = before.map((b) => ({ ...b, quantity: after.get(`${b.orderId}/${b.lineId}`) ?? 0 }));
  check(JSON.stringify(actual) === JSON.stringify(expected), 'back-orders are filled oldest first', () => ({ quantity, before, actual, expected }));
}

describe('order flow invariants under random days', () => {
  it('accounts for every ordered unit after every decision, and fills back-orders oldest first', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.integer({ min: 1, max: 10 })), { minLength: 5, maxLength: 40 }), fc.array(fc.nat(40), { minLength: 1, maxLength: 20 }), (steps, choices) => {
        const flow = new OrderFlow(WAREHOUSES, checkRetries, checkOrder);
        let placed = 0;
        for (const [s, dice] of steps) {
          // dice: 1 in 10 placed orders is cancelled before any warehouse answered
          if (s.kind === 'place') {
            const orderId = `O${++placed}`;
            const placedAt = `2026-03-01T09:${String(s.minute).padStart(2, '0')}:00.000Z`;
            flow.order({ type: 'PlaceOrder', orderId, lines: s.lines.map((l, i) => ({ lineId: `L${i + 1}`, ...l })), warehouses: s.warehouses, placedAt });
            if (dice === 1) flow.order({ type: 'CancelOrder', orderId, reason: 'changed their mind', cancelledAt: '2026-03-02T09:00:00.000Z' });
          } else if (s.kind === 'receive') {
            const before = backOrdersInOrders(flow, s.sku);
            flow.receive(s.warehouse, s.sku, s.quantity);
            flow.settle(choices);
            checkFilledOldestFirst(before, flow, s.sku, s.quantity);
          } else if (s.kind === 'cancel' && placed > 0) {
            const order = flow.orders.get(`O${1 + (s.order % placed)}`) as Order;
            try {
              flow.order({ type: 'CancelOrder', orderId: order.orderId, reason: 'changed their mind', cancelledAt: '2026-03-02T09:00:00.000Z' });
            } catch (error) {
              if (!(error instanceof OrderNotCancellable)) throw error;
              check(order.lines.some((l) => l.shipped > 0), 'only a dispatched order refuses a cancel', () => order);
            }
          } else if (s.kind === 'pick') {
            const open = flow.openLines();
            const line = open[s.line % Math.max(open.length, 1)];
            if (line) {
              const [warehouse, orderId, lineId, toPick] = line;
              const sentFor = 1 + (s.part % toPick);
              flow.pick(warehouse, orderId, lineId, sentFor, Math.max(0, sentFor - s.missing));
            }
          } else if (s.kind === 'dispatch') {
            const staged = flow.stagedLines();
            const line = staged[s.line % Math.max(staged.length, 1)];
            if (line) flow.dispatch(...line, `SH${s.line % 3}`);
          } else if (s.kind === 'redeliver' && flow.log.length > 0) {
            const again = flow.redeliver(s.index);
            check(again.commands.length === 0 && again.state === flow.manager, 'a redelivered event changes nothing', () => flow.log[s.index % flow.log.length]);
          }
          flow.settle(choices);
          checkSettled(flow);
        }
        // end of the day: everything held is picked in full and dispatched, so every order that was
        // wholly allocated ships (random steps alone rarely dispatch every line of an order)
        for (const [warehouse, orderId, lineId, toPick] of flow.openLines()) flow.pick(warehouse, orderId, lineId, toPick, toPick);
        flow.settle(choices);
        for (const line of flow.stagedLines()) flow.dispatch(...line, 'SH-END');
        flow.settle(choices);
        checkSettled(flow);
        flow.log.forEach((e) => seen.add(e.type));
      }),
      { numRuns: 200 },
    );
    // the generator reaches partial answers, back-orders and their filling, losses, late answers, cancels and shipping
    for (const type of ['order.LineAllocated', 'order.NothingAllocated', 'order.LineBackOrdered', 'order.BackOrderFilled', 'order.AllocationLost', 'order.LateAllocationReleased', 'order.OrderCancelled', 'order.LineDispatched', 'order.OrderShipped']) {
      expect(seen).toContain(type);
    }
  });
});
