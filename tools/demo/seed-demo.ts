/**
 * `npm run seed:demo`: loads a small company into a running platform (npm start) so a newcomer sees
 * real numbers at once — items, two warehouses with bins, stock received and put away, and one order.
 * Talks HTTP only, like any client. Every request carries an Idempotency-Key, so running it twice
 * changes nothing the second time. BINTRAIL_URL (default http://127.0.0.1:3000) names the platform.
 */
const BASE = (process.env.BINTRAIL_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

interface Step {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: unknown;
}

const items = [
  { sku: 'WIDGET-BLUE', description: 'Blue widget', unit: 'each' },
  { sku: 'WIDGET-RED', description: 'Red widget', unit: 'each' },
  { sku: 'BOLT-M8', description: 'M8 bolt, box of 100', unit: 'box' },
];

const warehouses = [
  { code: 'LON', name: 'London', bins: ['A-01-01', 'A-01-02', 'A-02-01', 'B-01-01'] },
  { code: 'MAN', name: 'Manchester', bins: ['A-01-01', 'A-01-02', 'B-01-01'] },
];

const stock: { warehouse: string; sku: string; quantity: number; putaways: { toBin?: string; quantity: number }[] }[] = [
  { warehouse: 'LON', sku: 'WIDGET-BLUE', quantity: 120, putaways: [{ toBin: 'A-01-01', quantity: 80 }, { quantity: 40 }] },
  { warehouse: 'LON', sku: 'BOLT-M8', quantity: 30, putaways: [{ toBin: 'B-01-01', quantity: 30 }] },
  { warehouse: 'MAN', sku: 'WIDGET-BLUE', quantity: 25, putaways: [{ toBin: 'A-01-01', quantity: 25 }] },
  { warehouse: 'MAN', sku: 'WIDGET-RED', quantity: 60, putaways: [{ toBin: 'A-01-02', quantity: 50 }] },
];

function steps(): Step[] {
  const list: Step[] = [];
  for (const { sku, ...body } of items) list.push({ method: 'PUT', path: `/items/${sku}`, body });
  for (const w of warehouses) {
    list.push({ method: 'POST', path: '/warehouses', body: { code: w.code, name: w.name } });
    for (const bin of w.bins) list.push({ method: 'POST', path: `/warehouses/${w.code}/bins`, body: { code: bin, zone: bin.slice(0, 1), capacity: 100 } });
  }
  for (const s of stock) {
    list.push({ method: 'POST', path: `/warehouses/${s.warehouse}/receipts`, body: { sku: s.sku, quantity: s.quantity } });
    for (const p of s.putaways) {
      list.push({ method: 'POST', path: `/warehouses/${s.warehouse}/putaways`, body: { sku: s.sku, quantity: p.quantity, fromBin: 'DOCK', ...(p.toBin ? { toBin: p.toBin } : {}) } });
    }
  }
  list.push({ method: 'POST', path: '/orders', body: { lines: [{ sku: 'WIDGET-BLUE', quantity: 30 }, { sku: 'BOLT-M8', quantity: 5 }], customerRef: 'DEMO-0001' } });
  return list;
}

/** Order statuses that mean the allocation choreography has finished its work for now. */
const SETTLED = new Set(['allocated', 'back-ordered', 'picking', 'ready to ship', 'shipped', 'delivered', 'cancelled']);

/**
 * The order is allocated asynchronously (order and warehouse services answer each other's events), so the
 * numbers a newcomer looks at next are only final once it settles; a second run then finds nothing to do.
 */
async function settledOrder(orderId: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = (await (await fetch(`${BASE}/orders/${orderId}`)).json()) as { status?: string };
    if (order.status !== undefined && SETTLED.has(order.status)) return order.status;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still '${order.status ?? 'unknown'}' after ${timeoutMs / 1000} s: is the platform's log consumer stuck? see GET /status`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  let position = 0;
  let orderId = '';
  for (const [index, step] of steps().entries()) {
    const response = await fetch(`${BASE}${step.path}`, {
      method: step.method,
      headers: { 'content-type': 'application/json', 'idempotency-key': `seed-demo-${index}`, 'x-correlation-id': 'seed-demo' },
      body: JSON.stringify(step.body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${step.method} ${step.path} answered ${response.status}: ${text}`);
    position = Math.max(position, Number(response.headers.get('bintrail-position') ?? 0));
    if (step.path === '/orders') orderId = (JSON.parse(text) as { orderId: string }).orderId;
  }
  const status = await settledOrder(orderId);
  const inventory = await fetch(`${BASE}/inventory/WIDGET-BLUE?minPosition=${position}`);
  process.stdout.write(`seeded ${BASE}: ${items.length} items, ${warehouses.length} warehouses, stock and one order (DEMO-0001, ${orderId}: ${status})\n`);
  process.stdout.write(`GET /inventory/WIDGET-BLUE → ${await inventory.text()}\n`);
}

main().catch((error: unknown) => {
  // fetch says only 'fetch failed' when nothing answers at the address.
  const unreachable = error instanceof TypeError && error.message === 'fetch failed';
  const cause = unreachable ? ` to reach ${BASE} (is the platform running? start it with npm start, or set BINTRAIL_URL)` : '';
  process.stderr.write(`seed:demo failed: ${(error as Error).message}${cause}\n`);
  process.exit(1);
});
