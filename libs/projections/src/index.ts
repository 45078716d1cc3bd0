export { startProjections, type Projection, type RunningProjections } from './projection';
