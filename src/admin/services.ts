import * as z from 'zod/mini';
import { NacosError } from '../errors.js';
import { atLeast, atMost, DEFAULT_GROUP, groupSchema, integer, matches, maxChars, namespaceSchema, nonEmpty, parseOrThrow, signalSchema } from '../validation.js';
import type { AdminContext } from './context.js';
import { pages } from './paging.js';
import type { CallOptions, Page, PageOptions, ServiceCluster, ServiceDetail, ServiceInput, ServiceQuery, ServiceRef, ServiceSummary } from './model.js';

// The naming rules of the core client (src/naming/naming-service.ts), repeated here so that the admin entry does not
// pull in the naming service: the server refuses `@@` (its group separator) and names beyond 512 characters.
/** A service name. */
export const serviceNameSchema = z.string().check(
  nonEmpty(),
  maxChars(512),
  z.refine((s) => !s.includes('@@'), 'must not contain @@ (give the group as groupName)'),
  matches(/^[\p{L}\p{N}_\-.:~]+$/u, 'may contain only letters, digits and _ - . : ~'),
);
/** String metadata, as services and instances carry it. */
export const metadataSchema = z.custom<Record<string, string>>(
  (m) => typeof m === 'object' && m !== null && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string'),
  'must be an object of string values',
).check(z.refine((m) => Object.keys(m).every((k) => k.length > 0), 'keys must not be empty'));
/** Namespace and group of a naming call. */
export const namingScope = { namespaceId: z.optional(namespaceSchema), groupName: z.optional(groupSchema) };

const selectorSchema = z.strictObject({
  type: z.string().check(matches(/^(none|label)$/, 'must be "none" or "label"')),
  expression: z.optional(z.string()),
});
const refSchema = z.strictObject({ ...namingScope, name: serviceNameSchema });
const querySchema = z.strictObject({ ...namingScope, groupName: z.optional(z.string().check(maxChars(128))), name: z.optional(z.string().check(maxChars(512))) });
const inputSchema = z.strictObject({
  ...namingScope,
  name: serviceNameSchema,
  protectThreshold: z.optional(z.number().check(atLeast(0, 'must be between 0 and 1'), atMost(1, 'must be between 0 and 1'))),
  metadata: z.optional(metadataSchema),
  selector: z.optional(selectorSchema),
  ephemeral: z.optional(z.boolean()),
});
const pageSizeSchema = z.optional(z.number().check(integer, atLeast(1), atMost(500, 'must be at most 500')));
const pagingSchema = z.object({ pageNumber: z.optional(z.number().check(integer, atLeast(1))), pageSize: pageSizeSchema, signal: signalSchema });
const iterateSchema = z.object({ pageSize: pageSizeSchema, signal: signalSchema });
const optionsSchema = z.optional(z.object({ signal: signalSchema }));
type Input = z.infer<typeof inputSchema>;

/** The namespace id the servers want: both generations name the public namespace `public` in naming calls. */
export const namespaceParam = (id: string | undefined): string => (id === undefined || id === '' ? 'public' : id);

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
/** A metadata map as servers answer it (values may come back as numbers or null). */
export const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(record(value)).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
const asNumber = (value: unknown, fallback = 0): number => (typeof value === 'number' ? value : typeof value === 'string' && value !== '' && !Number.isNaN(Number(value)) ? Number(value) : fallback);
const asBoolean = (value: unknown): boolean => value === true || value === 'true';

/**
 * Admin calls for services: a paged list with instance counts, the detail with clusters, create, update, delete.
 * On 2.x the console catalog (`/v1/ns/catalog/services`, the only list with counts) and the v2 open API
 * (`/v2/ns/service`); on 3.x `/v3/admin/ns/service`.
 */
export class AdminServices {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /**
   * One page of services, with their cluster, instance and healthy-instance counts. `name` and `groupName` filter
   * as the server does (a part of the name).
   */
  async listPage(query: ServiceQuery = {}, paging: PageOptions = {}): Promise<Page<ServiceSummary>> {
    const q = parseOrThrow(querySchema, query, 'services.listPage');
    const { pageNumber = 1, pageSize = 20, signal } = parseOrThrow(pagingSchema, paging, 'services.listPage');
    const namespaceId = namespaceParam(q.namespaceId);
    const what = 'list services';
    const params = { namespaceId, serviceNameParam: q.name ?? '', groupNameParam: q.groupName ?? '', pageNo: pageNumber, pageSize };
    if ((await this.#context.generation(signal)) === 'v3') {
      const data = record(await this.#context.data({ method: 'GET', path: '/v3/admin/ns/service/list', query: { ...params, withInstances: false, ignoreEmptyService: false }, signal, what }));
      const totalCount = asNumber(data['totalCount']);
      const items = Array.isArray(data['pageItems']) ? data['pageItems'].map((item) => summary(item, namespaceId)) : [];
      return { items, totalCount, pageNumber, pagesAvailable: Math.ceil(totalCount / pageSize) };
    }
    const body = record(await this.#context.json({ method: 'GET', path: '/v1/ns/catalog/services', query: { ...params, withInstances: false }, signal, what }));
    const totalCount = asNumber(body['count']);
    const items = Array.isArray(body['serviceList']) ? body['serviceList'].map((item) => summary(item, namespaceId)) : [];
    return { items, totalCount, pageNumber, pagesAvailable: Math.ceil(totalCount / pageSize) };
  }

  /** Every service matching `query`, page after page (`pageSize` per request, default 100). */
  list(query: ServiceQuery = {}, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<ServiceSummary> {
    parseOrThrow(querySchema, query, 'services.list');
    const { pageSize = 100, signal } = parseOrThrow(iterateSchema, options, 'services.list');
    return pages((pageNumber) => this.listPage(query, { pageNumber, pageSize, ...(signal ? { signal } : {}) }));
  }

  /** The service's settings and clusters; `NOT_FOUND` when there is no such service. */
  async get(service: ServiceRef, options: CallOptions = {}): Promise<ServiceDetail> {
    const ref = parseOrThrow(refSchema, service, 'services.get');
    const { signal } = parseOrThrow(optionsSchema, options, 'services.get') ?? {};
    return serviceDetail(this.#context, ref, signal);
  }

  /**
   * Creates a service without instances, as the console does. It is persistent unless `ephemeral: true` (the servers'
   * default): a persistent service takes only persistent instances, and clients registering ephemeral ones into it are
   * refused, so create `ephemeral: true` for the services of ordinary (heartbeating) clients.
   */
  async create(service: ServiceInput, options: CallOptions = {}): Promise<void> {
    const input = parseOrThrow(inputSchema, service, 'services.create');
    const { signal } = parseOrThrow(optionsSchema, options, 'services.create') ?? {};
    const v3 = (await this.#context.generation(signal)) === 'v3';
    await this.#context.data({
      method: 'POST',
      path: v3 ? '/v3/admin/ns/service' : '/v2/ns/service',
      form: { ...serviceForm(input, input), ephemeral: input.ephemeral ?? false },
      signal,
      what: `create service ${input.name}`,
    });
  }

  /**
   * Changes the given settings of a service and keeps the rest. The servers reset every setting an update does not
   * send (protect threshold, metadata, selector), so this reads the service and sends the merged whole; a change made
   * by someone else between the read and the write is lost. The ephemeral flag cannot change (`UNSUPPORTED`).
   */
  async update(service: ServiceInput, options: CallOptions = {}): Promise<void> {
    const input = parseOrThrow(inputSchema, service, 'services.update');
    const { signal } = parseOrThrow(optionsSchema, options, 'services.update') ?? {};
    const current = await serviceDetail(this.#context, input, signal);
    if (input.ephemeral !== undefined && current.ephemeral !== undefined && input.ephemeral !== current.ephemeral) {
      throw new NacosError('UNSUPPORTED', `update service ${input.name}: a service's ephemeral flag cannot change (it is ${current.ephemeral})`);
    }
    const v3 = (await this.#context.generation(signal)) === 'v3';
    await this.#context.data({ method: 'PUT', path: v3 ? '/v3/admin/ns/service' : '/v2/ns/service', form: serviceForm(input, current), signal, what: `update service ${input.name}` });
  }

  /** Deletes a service; the server refuses one that still has instances. */
  async delete(service: ServiceRef, options: CallOptions = {}): Promise<void> {
    const ref = parseOrThrow(refSchema, service, 'services.delete');
    const { signal } = parseOrThrow(optionsSchema, options, 'services.delete') ?? {};
    const v3 = (await this.#context.generation(signal)) === 'v3';
    await this.#context.data({ method: 'DELETE', path: v3 ? '/v3/admin/ns/service' : '/v2/ns/service', query: serviceParams(ref), signal, what: `delete service ${ref.name}` });
  }
}

/** The parameters that name a service. */
export function serviceParams(ref: { namespaceId?: string | undefined; groupName?: string | undefined; name: string }) {
  return { namespaceId: namespaceParam(ref.namespaceId), groupName: ref.groupName ?? DEFAULT_GROUP, serviceName: ref.name };
}

/** The whole form of a create or update: each setting from `input` when given, else from `base`. */
function serviceForm(input: Input, base: { protectThreshold?: number | undefined; metadata?: Record<string, string> | undefined; selector?: { type: string; expression?: string | undefined } | undefined }) {
  const selector = input.selector ?? base.selector;
  return {
    ...serviceParams(input),
    protectThreshold: input.protectThreshold ?? base.protectThreshold ?? 0,
    metadata: JSON.stringify(input.metadata ?? base.metadata ?? {}),
    // No selector means `none` to the server.
    selector: selector && selector.type !== 'none' ? JSON.stringify({ type: selector.type, expression: selector.expression ?? '' }) : undefined,
  };
}

/** Reads a service's detail (the v2 open API on 2.x, which says whether it is ephemeral; the admin API on 3.x). */
export async function serviceDetail(context: AdminContext, ref: { namespaceId?: string | undefined; groupName?: string | undefined; name: string }, signal: AbortSignal | undefined): Promise<ServiceDetail> {
  const v3 = (await context.generation(signal)) === 'v3';
  const params = serviceParams(ref);
  const data = record(await context.data({ method: 'GET', path: v3 ? '/v3/admin/ns/service' : '/v2/ns/service', query: params, signal, what: `get service ${ref.name}` }));
  const selector = record(data['selector']);
  // The servers write `type` twice (the class name, then the short name); JSON.parse keeps the last, the short one.
  const type = typeof selector['type'] === 'string' ? selector['type'] : 'none';
  const clusters: ServiceCluster[] = Object.entries(record(data['clusterMap'])).map(([name, raw]) => {
    const c = record(raw);
    return { name: typeof c['clusterName'] === 'string' ? c['clusterName'] : name, healthChecker: record(c['healthChecker']), metadata: stringMap(c['metadata']) };
  });
  return {
    namespaceId: String(data['namespaceId'] ?? data['namespace'] ?? params.namespaceId),
    groupName: String(data['groupName'] ?? params.groupName),
    name: String(data['serviceName'] ?? params.serviceName),
    protectThreshold: asNumber(data['protectThreshold']),
    metadata: stringMap(data['metadata']),
    selector: typeof selector['expression'] === 'string' ? { type, expression: selector['expression'] } : { type },
    ephemeral: typeof data['ephemeral'] === 'boolean' ? data['ephemeral'] : undefined,
    clusters,
  };
}

function summary(raw: unknown, namespaceId: string): ServiceSummary {
  const item = record(raw);
  return {
    namespaceId,
    groupName: String(item['groupName'] ?? DEFAULT_GROUP),
    name: String(item['name'] ?? ''),
    clusterCount: asNumber(item['clusterCount']),
    ipCount: asNumber(item['ipCount']),
    healthyInstanceCount: asNumber(item['healthyInstanceCount']),
    triggerFlag: asBoolean(item['triggerFlag']),
  };
}

