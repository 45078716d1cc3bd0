/** Exponential backoff for background loops: 100 ms, 200 ms, 400 ms … capped (default 5 s). */
export function backoffDelay(attempt: number, capMs = 5_000): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), capMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
