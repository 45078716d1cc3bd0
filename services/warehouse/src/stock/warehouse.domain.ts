import { allocateStock, confirmPick, dispatchStock, releaseAllocation } from './allocation.domain';
import { countBin, moveStock, putAway, receiveStock } from './receiving.domain';
import { BinAlreadyExists, requireCode, requirePositive, WarehouseAlreadyExists, WarehouseNotFound } from './warehouse-errors.domain';
import {
  DOCK,
  evolveWarehouse,
  initialWarehouseState,
  own,
  STAGING,
  type CommandOf,
  type Warehouse,
  type WarehouseCommand,
  type WarehouseEvent,
  type WarehouseState,
} from './warehouse-model.domain';

/**
 * A warehouse and all of its physical stock, as one stream (`warehouse-<code>`): bins, units per bin
 * and SKU, and the bins each order line's units are allocated in. Keeping it in one stream puts every
 * stock invariant (no bin below zero or over capacity, never more allocated than on hand, a short pick
 * re-allocated from other bins) inside one decision under one expected version.
 */
export * from './warehouse-model.domain';
export * from './warehouse-errors.domain';
export { chooseBins, toPick } from './allocation.domain';
export { keyedValues } from './key-set.domain';
export * from './warehouse-queries.domain';

export function decideWarehouse(command: WarehouseCommand, state: WarehouseState): WarehouseEvent[] {
  if (command.type === 'CreateWarehouse') return createWarehouse(command, state);
  if (!state.exists) throw new WarehouseNotFound();
  switch (command.type) {
    case 'AddBin':
      return addBin(command, state);
    case 'ReceiveStock':
      return receiveStock(command, state);
    case 'PutAway':
      return putAway(command, state);
    case 'MoveStock':
      return moveStock(command, state);
    case 'CountBin':
      return countBin(command, state);
    case 'AllocateStock':
      return allocateStock(command, state);
    case 'ReleaseAllocation':
      return releaseAllocation(command, state);
    case 'ConfirmPick':
      return confirmPick(command, state);
    case 'DispatchStock':
      return dispatchStock(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

/** The shape `handleCommand` of @bintrail/service-kit runs. */
export const warehouseDecider = { decide: decideWarehouse, evolve: evolveWarehouse, initialState: initialWarehouseState };

/** Every warehouse starts with a receiving dock (DOCK) and an outbound staging area (STAGING), neither with a capacity limit. */
function createWarehouse(command: CommandOf<'CreateWarehouse'>, state: WarehouseState): WarehouseEvent[] {
  if (state.exists) throw new WarehouseAlreadyExists(state.code);
  requireCode('code', command.code);
  const bins = [
    { code: DOCK, kind: 'dock' as const },
    { code: STAGING, kind: 'staging' as const },
  ];
  return [{ type: 'warehouse.WarehouseCreated', data: { code: command.code, name: command.name, bins } }];
}

function addBin(command: CommandOf<'AddBin'>, w: Warehouse): WarehouseEvent[] {
  const { code, zone, capacity } = command;
  requireCode('code', code);
  if (own(w.bins, code)) throw new BinAlreadyExists(code);
  if (capacity !== undefined) requirePositive('capacity', capacity);
  const bin = { code, kind: 'storage' as const, ...(zone === undefined ? {} : { zone }), ...(capacity === undefined ? {} : { capacity }) };
  return [{ type: 'warehouse.BinAdded', data: bin }];
}
