/** Test helpers for bus adapters (test files only). */
export { describeBusContract, eventually, type BusContractTarget } from './bus/contract/bus-contract-suite';
