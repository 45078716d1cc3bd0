import { RequestMethod, SetMetadata, type CustomDecorator, type INestApplicationContext, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { UnknownReadModel, type ReadModelClock } from './read-model-clock';

/** Metadata key of @ReadsFrom. */
export const READS_FROM = 'bintrail:reads-from';

/**
 * Names the read model(s) — projection names, e.g. 'inventory-items' — a GET handler (or every GET
 * of a controller) answers from. The read-your-writes interceptor then honours `?minPosition=` by
 * waiting for them and sets `bintrail-read-position` / `bintrail-lag`. On a method it replaces the
 * controller's.
 */
export function ReadsFrom(...readModels: [string, ...string[]]): CustomDecorator<string> {
  return SetMetadata(READS_FROM, readModels);
}

/** One HTTP route of a Nest controller. */
export interface ControllerRoute {
  readonly controller: Type<unknown>;
  readonly handlerName: string;
  readonly handler: (...args: unknown[]) => unknown;
  readonly method: RequestMethod;
  /** Controller path and handler path joined, e.g. `/items/:sku`. */
  readonly path: string;
}

/** Every HTTP route the app's controllers declare (as Nest sees them after NestFactory.create). */
export function controllerRoutes(app: INestApplicationContext): ControllerRoute[] {
  const routes: ControllerRoute[] = [];
  const seen = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prefix = firstPath(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as Record<string, unknown>;
      for (const handlerName of Object.getOwnPropertyNames(prototype)) {
        if (handlerName === 'constructor') continue;
        const handler = Object.getOwnPropertyDescriptor(prototype, handlerName)?.value as unknown;
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || path === undefined) continue;
        routes.push({ controller, handlerName, handler: handler as ControllerRoute['handler'], method, path: joinPaths(prefix, firstPath(path)) });
      }
    }
  }
  return routes;
}

/** The read models a route names with @ReadsFrom (the handler's, else its controller's). */
export function readModelsOf(route: Pick<ControllerRoute, 'controller' | 'handler'>): readonly string[] | undefined {
  return (Reflect.getMetadata(READS_FROM, route.handler) ?? Reflect.getMetadata(READS_FROM, route.controller)) as readonly string[] | undefined;
}

/**
 * Checks at start-up that every @ReadsFrom names a read model the clock knows (throws UnknownReadModel
 * otherwise), and returns the GET routes that name none: they accept `?minPosition=` but cannot wait
 * for anything and carry no read-position headers (fine for live answers such as GET /status).
 */
export function verifyReadsFrom(app: INestApplicationContext, clock: ReadModelClock): string[] {
  const known = clock.readModels();
  const undeclared: string[] = [];
  for (const route of controllerRoutes(app)) {
    const readModels = readModelsOf(route);
    if (readModels === undefined) {
      if (route.method === RequestMethod.GET) undeclared.push(`GET ${route.path}`);
      continue;
    }
    for (const readModel of readModels) {
      if (!known.includes(readModel)) {
        throw new UnknownReadModel(readModel, known, `@ReadsFrom on ${route.controller.name}.${route.handlerName} (${RequestMethod[route.method]} ${route.path})`);
      }
    }
  }
  return undeclared;
}

function firstPath(path: unknown): string {
  if (Array.isArray(path)) return String(path[0] ?? '');
  return typeof path === 'string' ? path : '';
}

function joinPaths(prefix: string, path: string): string {
  const joined = [prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
  return `/${joined}`;
}
