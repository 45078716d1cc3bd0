export * from './envelope';
export * from './topics';
export * from './envelope-schema';
export * from './channels';
export * from './erp';
export * from './events';
export * from './validation';
export * from './upcasting';
