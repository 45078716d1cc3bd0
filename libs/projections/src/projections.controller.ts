import { ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import type { ProjectionState, RunningProjections } from './projection';

/** The running projections, for the HTTP routes below (provided by the app that starts them). */
export const RUNNING_PROJECTIONS = Symbol('bintrail.running-projections');

/** Operators' view of the read models: versions, lag, rebuilds; and a blue/green rebuild on demand. */
@Controller('projections')
export class ProjectionsController {
  /** Rebuilds started through HTTP, so that a second request for the same one answers 409 at once. */
  private readonly started = new Set<string>();

  constructor(@Inject(RUNNING_PROJECTIONS) private readonly projections: RunningProjections) {}

  @Get()
  list(): Promise<ProjectionState[]> {
    return this.projections.describe();
  }

  /** Starts the rebuild and answers at once (202); `GET /projections` shows its progress. */
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string): Promise<{ projection: string; status: 'started' }> {
    const state = (await this.projections.describe()).find((p) => p.projection === name);
    if (!state) throw new NotFoundException(`no projection is named ${name}`);
    if (state.rebuild || this.started.has(name)) throw new ConflictException(`a rebuild of ${name} is already running`);
    this.started.add(name);
    this.projections
      .rebuild(name)
      .catch(() => undefined) // logged by the runner; GET /projections shows the version that serves
      .finally(() => this.started.delete(name));
    return { projection: name, status: 'started' };
  }
}
