import type { RecordedEvent } from '@bintrail/contracts';
import type { EventStore, SubscribeOptions } from '../port';

/** Subscribes and collects events until `until` says enough (or the timeout passes), then stops. */
export async function collectUntil(
  store: EventStore,
  options: SubscribeOptions,
  until: (seen: readonly RecordedEvent[]) => boolean,
  timeoutMs = 15_000,
): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  let finish!: () => void;
  const enough = new Promise<void>((resolve) => (finish = resolve));
  const subscription = store.subscribeToAll(options, (event) => {
    seen.push(event);
    if (until(seen)) finish();
  });
  const timer = setTimeout(finish, timeoutMs);
  await Promise.race([enough, subscription.done]);
  clearTimeout(timer);
  await subscription.stop();
  await subscription.done;
  return seen;
}
