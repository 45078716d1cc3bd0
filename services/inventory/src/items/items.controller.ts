import { BadRequestException, Body, Controller, Get, Inject, NotFoundException, Param, Put, Req, Res } from '@nestjs/common';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdOf, handleCommand, PLATFORM_CONTEXT, POSITION_HEADER, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { decideItem, evolveItem, initialItemState, itemStreamId, type ItemCommand, type ItemEvent, type ItemState } from './item.domain';
import { findItem, itemHistory, itemsProjection, type ItemChange, type ItemView } from './items.projection';

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class DefineItemBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  description!: string;

  @IsString()
  @Matches(/^[a-z][a-z0-9_-]{0,15}$/, { message: "unit must be a lower-case unit of measure such as 'each', 'box' or 'kg'" })
  unit!: string;
}

const itemDecider = { decide: decideItem, evolve: evolveItem, initialState: initialItemState };

@Controller('items')
export class ItemsController {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  /** Registers the SKU (201) or updates it (200); defining it as it already is changes nothing (200). */
  @Put(':sku')
  async define(@Param('sku') sku: string, @Body() body: DefineItemBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    checkSku(sku);
    const outcome = await handleCommand<ItemCommand, ItemEvent, ItemState>(
      this.platform.store,
      itemStreamId(sku),
      itemDecider,
      { type: 'DefineItem', sku, description: body.description, unit: body.unit },
      { correlationId: correlationIdOf(request.headers), actor: 'api', source: 'inventory' },
    );
    reply.header(POSITION_HEADER, String(outcome.position));
    const registered = outcome.events.some((e) => e.type === 'inventory.ItemRegistered');
    reply.status(registered ? 201 : 200);
    return { sku, description: body.description, unit: body.unit, revision: outcome.streamVersion, changed: outcome.events.length > 0 };
  }

  @Get(':sku')
  @ReadsFrom(itemsProjection.name)
  async get(@Param('sku') sku: string): Promise<ItemView> {
    checkSku(sku);
    const item = await findItem(this.platform.store.db, this.platform.s, sku);
    if (!item) throw new NotFoundException(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    return item;
  }

  @Get(':sku/history')
  @ReadsFrom(itemsProjection.name)
  async history(@Param('sku') sku: string): Promise<{ sku: string; changes: ItemChange[] }> {
    checkSku(sku);
    const changes = await itemHistory(this.platform.store.db, this.platform.s, sku);
    if (changes.length === 0) throw new NotFoundException(`item ${sku} is not registered`);
    return { sku, changes };
  }
}

function checkSku(sku: string): void {
  if (!SKU_PATTERN.test(sku)) {
    throw new BadRequestWithField('sku', 'must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
  }
}

/** A 400 in the same shape as the ValidationPipe's: one message per field. */
class BadRequestWithField extends BadRequestException {
  constructor(field: string, rule: string) {
    super({ statusCode: 400, error: 'Bad Request', message: [`${field} ${rule}`] });
  }
}
