/**
 * Back-ordered units waiting for stock, per SKU, oldest order first: by the time the order was
 * placed, then by order id and line id (code-point order, so every machine sorts alike). A line
 * keeps its place when part of it is filled or lost again: the sort key is the order's, not the
 * back-order's.
 */
export interface BackOrder {
  readonly orderId: string;
  readonly lineId: string;
  /** ISO-8601 UTC, as on the order: it sorts as text. */
  readonly placedAt: string;
  /** Units not yet asked of any warehouse. */
  readonly quantity: number;
}

export type BackOrderQueue = Readonly<Record<string, readonly BackOrder[]>>;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const compareBackOrders = (a: BackOrder, b: BackOrder): number =>
  compareText(a.placedAt, b.placedAt) || compareText(a.orderId, b.orderId) || compareText(a.lineId, b.lineId);

export const backOrdersOf = (queue: BackOrderQueue, sku: string): readonly BackOrder[] => (Object.hasOwn(queue, sku) ? queue[sku]! : []);

const sameLine = (a: BackOrder, b: { readonly orderId: string; readonly lineId: string }) => a.orderId === b.orderId && a.lineId === b.lineId;

export function addBackOrder(queue: BackOrderQueue, sku: string, entry: BackOrder): BackOrderQueue {
  const entries = backOrdersOf(queue, sku);
  const existing = entries.find((e) => sameLine(e, entry));
  const next = existing
    ? entries.map((e) => (e === existing ? { ...e, quantity: e.quantity + entry.quantity } : e))
    : [...entries, entry].sort(compareBackOrders);
  return { ...queue, [sku]: next };
}

export function removeOrder(queue: BackOrderQueue, orderId: string): BackOrderQueue {
  return Object.fromEntries(
    Object.entries(queue)
      .map(([sku, entries]) => [sku, entries.filter((e) => e.orderId !== orderId)] as const)
      .filter(([, entries]) => entries.length > 0),
  );
}

/**
 * Takes up to `available` units off the SKU's queue, oldest first: each older line gets all it waits
 * for before a younger one gets any. Lines left with nothing to wait for leave the queue; what comes
 * back short is queued again by the order's own LineBackOrdered.
 */
export function takeOldest(queue: BackOrderQueue, sku: string, available: number): { readonly queue: BackOrderQueue; readonly taken: readonly BackOrder[] } {
  const taken: BackOrder[] = [];
  const left: BackOrder[] = [];
  let budget = available;
  for (const entry of backOrdersOf(queue, sku)) {
    const take = Math.min(entry.quantity, budget);
    budget -= take;
    if (take > 0) taken.push({ ...entry, quantity: take });
    if (entry.quantity > take) left.push({ ...entry, quantity: entry.quantity - take });
  }
  if (taken.length === 0) return { queue, taken };
  const { [sku]: _taken, ...others } = queue;
  return { queue: left.length === 0 ? others : { ...others, [sku]: left }, taken };
}
