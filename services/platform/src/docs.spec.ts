import { Body, Controller, Get, Put, RequestMethod } from '@nestjs/common';
import { IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ReadsFrom, type ControllerRoute } from '@bintrail/service-kit';
import { documentConventions, openApiPath, validationSchema, type OpenApiDocument } from './docs';

class ReceiveBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[A-Z0-9-]+$/)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;

  @IsOptional()
  @IsIn(['dock', 'floor'])
  area?: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  notes?: string[];
}

@Controller('things')
class ThingsController {
  @Put(':id')
  put(@Body() _body: ReceiveBody) {
    return {};
  }

  @Get(':id')
  @ReadsFrom('things')
  get() {
    return {};
  }

  @Get()
  list() {
    return [];
  }
}

const route = (handlerName: 'put' | 'get' | 'list', method: RequestMethod, path: string): ControllerRoute => ({
  controller: ThingsController,
  handlerName,
  handler: ThingsController.prototype[handlerName] as unknown as ControllerRoute['handler'],
  method,
  path,
});
const routes = [route('put', RequestMethod.PUT, '/things/:id'), route('get', RequestMethod.GET, '/things/:id'), route('list', RequestMethod.GET, '/things')];

describe('API docs without the Swagger CLI plugin', () => {
  it('derives a DTO schema from its class-validator decorators', () => {
    expect(validationSchema(ReceiveBody)).toEqual({
      type: 'object',
      properties: {
        sku: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Z0-9-]+$' },
        quantity: { type: 'integer', minimum: 1 },
        area: { enum: ['dock', 'floor'] },
        notes: { type: 'array', items: { type: 'string' } },
      },
      required: ['sku', 'quantity'],
    });
  });

  it('fills empty DTO schemas and documents minPosition, the read-position headers, Idempotency-Key and bintrail-position', () => {
    const document: OpenApiDocument = {
      paths: {
        '/things/{id}': {
          put: { responses: { '200': { description: '' } } },
          get: { responses: { '200': { description: '' } } },
        },
        '/things': { get: { responses: { '200': { description: '' } } } },
      },
      components: { schemas: { ReceiveBody: { type: 'object', properties: {} } } },
    };
    documentConventions(document, routes);
    expect(document.components!.schemas!.ReceiveBody!.properties!.quantity).toEqual({ type: 'integer', minimum: 1 });

    const put = document.paths['/things/{id}']!.put!;
    expect(put.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    expect(Object.keys(put.responses!['200']!.headers!)).toEqual(['bintrail-position']);
    expect(put.responses!['422']).toBeDefined();

    const get = document.paths['/things/{id}']!.get!;
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'minPosition', in: 'query', schema: { type: 'integer', minimum: 0 } })]);
    expect(Object.keys(get.responses!['200']!.headers!)).toEqual(['bintrail-read-position', 'bintrail-lag']);
    expect(get.responses!['503']).toBeDefined();

    // A GET that reads no read model accepts minPosition but promises no headers.
    const list = document.paths['/things']!.get!;
    expect(list.parameters![0]!.description).toMatch(/ignored/);
    expect(list.responses!['200']!.headers).toBeUndefined();

    // Applying it twice adds nothing twice.
    documentConventions(document, routes);
    expect(document.paths['/things/{id}']!.get!.parameters).toHaveLength(1);
  });

  it('writes Nest paths as OpenAPI templates', () => {
    expect(openApiPath('/items/:sku/history')).toBe('/items/{sku}/history');
  });
});
