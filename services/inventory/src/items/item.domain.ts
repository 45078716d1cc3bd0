/**
 * The item master: which SKUs exist, what they are and how they are counted. Every other
 * service refuses a SKU that was never registered here.
 */
export const ITEM_EVENT_TYPES = ['inventory.ItemRegistered', 'inventory.ItemUpdated'] as const;

export interface ItemDetails {
  readonly description: string;
  /** Unit of measure stock is counted in: `each`, `box`, `kg` … */
  readonly unit: string;
}

export type ItemEvent =
  | { readonly type: 'inventory.ItemRegistered'; readonly data: { readonly sku: string } & ItemDetails }
  | { readonly type: 'inventory.ItemUpdated'; readonly data: { readonly sku: string } & ItemDetails };

export type ItemCommand = { readonly type: 'DefineItem'; readonly sku: string } & ItemDetails;

export type ItemState = { readonly registered: false } | ({ readonly registered: true; readonly sku: string } & ItemDetails);

export const initialItemState: ItemState = { registered: false };

export function itemStreamId(sku: string): string {
  return `inventory-item-${sku}`;
}

/** Defining an item registers it the first time and updates it afterwards; defining it as it is changes nothing. */
export function decideItem(command: ItemCommand, state: ItemState): ItemEvent[] {
  const details = { sku: command.sku, description: command.description, unit: command.unit };
  if (!state.registered) return [{ type: 'inventory.ItemRegistered', data: details }];
  if (state.description === command.description && state.unit === command.unit) return [];
  return [{ type: 'inventory.ItemUpdated', data: details }];
}

export function evolveItem(_state: ItemState, event: ItemEvent): ItemState {
  switch (event.type) {
    case 'inventory.ItemRegistered':
    case 'inventory.ItemUpdated':
      return { registered: true, ...event.data };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
