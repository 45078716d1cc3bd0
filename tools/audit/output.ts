/** Rows as an aligned text table, CSV (RFC 4180 quoting) or JSON: what the audit prints. */
export type Cell = string | number | null;

export function table(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '' : String(c))));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n') + '\n';
}

export function csv(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cell = (c: Cell) => {
    const s = c === null ? '' : String(c);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A bar on a terminal, a plain line every few seconds otherwise; written to stderr, so that stdout stays the report. */
export function progressPrinter(label: string, write: (text: string) => void, tty: boolean): { update(position: number, target: number, eventsPerSecond: number): void; end(): void } {
  let lastLine = 0;
  let drawn = false;
  return {
    update(position, target, eventsPerSecond) {
      const done = target > 0 ? Math.min(1, position / target) : 1;
      const text = `${label}: ${position}/${target} events, ${Math.round(eventsPerSecond)} ev/s`;
      if (tty) {
        const width = 30;
        const filled = Math.round(done * width);
        write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(done * 100).toFixed(1).padStart(5)}% ${text}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastLine >= 2_000 || position >= target) {
        lastLine = Date.now();
        write(`${new Date().toISOString()} ${text}\n`);
      }
    },
    end() {
      if (drawn) write('\n');
    },
  };
}
