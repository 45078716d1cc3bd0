export {
  startProjections,
  describeProjections,
  UnknownProjection,
  type Projection,
  type ProjectionState,
  type RunningProjections,
  type StartProjectionsOptions,
} from './projection';
export {
  rebuildProjection,
  RebuildInProgress,
  RebuildLeaseLost,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
  type RebuildSource,
} from './rebuild';
export { shadowSchemaOf } from './versions';
export { ProjectionsController, RUNNING_PROJECTIONS } from './projections.controller';
export { CatalogCopy, CatalogCopyReader, type CatalogCopyOptions, type CopyProgress } from './catalog-copy';
export { readInOneRoundTrip, writeInOneStatement, rowsByKey, upsertRows, deleteRows, column, type Column, type Statement } from './one-round-trip';
