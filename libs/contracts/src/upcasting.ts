import type { RecordedEvent } from './envelope';

/**
 * Turns the data of one version of an event type into the next one's. Stored events are never
 * rewritten: readers get old events in the newest shape through a chain of upcasters, step by step.
 */
export interface Upcaster<From = unknown, To = unknown> {
  readonly type: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  /** `event` is the stored event as read (at `fromVersion`), for data the new version takes from the envelope. */
  up(data: From, event: RecordedEvent): To;
}

/** Registered upcasters by type and from-version; applies them in a chain to the newest version known. */
export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) this.register(upcaster);
  }

  register(upcaster: Upcaster): this {
    const { type, fromVersion, toVersion } = upcaster;
    if (!Number.isSafeInteger(fromVersion) || fromVersion < 1) throw new RangeError(`upcaster of ${type}: fromVersion must be an integer >= 1, got ${fromVersion}`);
    if (!Number.isSafeInteger(toVersion) || toVersion <= fromVersion) throw new RangeError(`upcaster of ${type}: toVersion must be an integer > fromVersion (${fromVersion}), got ${toVersion}`);
    const steps = this.byType.get(type) ?? new Map<number, Upcaster>();
    if (steps.has(fromVersion)) throw new Error(`upcaster of ${type} from version ${fromVersion} is registered already`);
    steps.set(fromVersion, upcaster);
    this.byType.set(type, steps);
    return this;
  }

  /** True when an event of this type and version is read as a newer version (cheap: the store asks it per event). */
  appliesTo(type: string, version: number): boolean {
    return this.byType.get(type)?.has(version) ?? false;
  }

  /** The event at the newest version its upcasters reach; the same object when none applies. */
  upcast<E extends RecordedEvent>(event: E): E {
    const steps = this.byType.get(event.type);
    if (!steps) return event;
    let current: E = event;
    for (let step = steps.get(current.version); step; step = steps.get(current.version)) {
      current = { ...current, version: step.toVersion, data: step.up(current.data, current) };
    }
    return current;
  }
}
