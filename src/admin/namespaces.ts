import * as z from 'zod/mini';
import { isNacosError, NacosError } from '../errors.js';
import { maxChars, namespaceSchema, nonEmpty, parseOrThrow, signalSchema } from '../validation.js';
import type { AdminContext, AdminGeneration } from './context.js';
import type { CallOptions, Namespace, NamespaceInput } from './model.js';

// The servers' rules: a name without @ # $ % ^ & * (both generations refuse those), the id from word characters and `-`.
const nameSchema = z.string().check(
  z.refine((s) => s.trim() !== '', 'must not be blank'),
  maxChars(128),
  z.refine((s) => !/[@#$%^&*]/.test(s), 'must not contain @ # $ % ^ & *'),
);
const descriptionSchema = z.optional(z.string().check(maxChars(256)));
const createSchema = z.strictObject({ id: z.optional(namespaceSchema.check(nonEmpty())), name: nameSchema, description: descriptionSchema });
const updateSchema = z.strictObject({ id: namespaceSchema.check(nonEmpty()), name: nameSchema, description: descriptionSchema });
const callSchema = z.strictObject({ signal: signalSchema });

const isPublic = (id: string) => id === '' || id === 'public';

/**
 * Admin calls for namespaces. 2.x: the v2 console API (`/v2/console/namespace*`, envelopes with codes, where the v1
 * console answers `false` or HTTP 500 for every failure); 3.x: `/v3/admin/core/namespace*`. The public namespace is
 * `''` on 2.x and `public` on 3.x; either is accepted everywhere.
 */
export class AdminNamespaces {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /** Every namespace, the public one first. */
  async list(options: CallOptions = {}): Promise<Namespace[]> {
    const { signal } = parseOrThrow(callSchema, options, 'namespaces.list');
    const base = await this.#base(signal);
    const answer = await this.#context.data({ method: 'GET', path: `${base}/list`, signal, what: 'list namespaces' });
    if (!Array.isArray(answer)) throw new NacosError('SERVER', 'list namespaces: unexpected answer (not a list)');
    return answer.map(toNamespace);
  }

  /** The namespace; NOT_FOUND when there is none of that id. */
  async get(id: string, options: CallOptions = {}): Promise<Namespace> {
    const namespaceId = parseOrThrow(namespaceSchema, id, 'namespaces.get');
    const { signal } = parseOrThrow(callSchema, options, 'namespaces.get options');
    const generation = await this.#context.generation(signal);
    const answer = await this.#context.data({
      method: 'GET',
      path: baseOf(generation),
      query: { namespaceId: publicAs(generation, namespaceId) },
      signal,
      what: `read namespace ${namespaceId || 'public'}`,
    });
    if (answer === null || answer === undefined) throw new NacosError('NOT_FOUND', `read namespace ${namespaceId}: no such namespace`);
    return toNamespace(answer);
  }

  /** Creates a namespace and answers its id (a new UUID when `id` is not given); VALIDATION when the id is taken. */
  async create(input: NamespaceInput, options: CallOptions = {}): Promise<string> {
    const { id, name, description } = parseOrThrow(createSchema, input, 'namespaces.create');
    const { signal } = parseOrThrow(callSchema, options, 'namespaces.create options');
    if (id !== undefined && isPublic(id)) throw new NacosError('VALIDATION', 'namespaces.create: the public namespace exists already');
    // 2.x makes up a UUID for a missing id, 3.x refuses a create without one: made here, so both can answer it.
    const namespaceId = id ?? crypto.randomUUID();
    const what = `create namespace ${namespaceId}`;
    const base = await this.#base(signal);
    let ok: unknown;
    try {
      ok = await this.#context.data({ method: 'POST', path: base, form: { namespaceId, namespaceName: name, namespaceDesc: description }, signal, what });
    } catch (error) {
      // 2.x: 22000 "illegal namespace: the namespaceId is existed"; 3.x: 22002 "namespace already exist".
      if (isNacosError(error) && error.code !== 'NOT_FOUND' && /exist/i.test(error.message)) {
        throw new NacosError('VALIDATION', `${what}: a namespace of that id exists already`, { cause: error, ...(error.status === undefined ? {} : { status: error.status }) });
      }
      throw error;
    }
    if (ok !== true) throw new NacosError('SERVER', `${what}: the server did not create it (answered ${JSON.stringify(ok)})`);
    return namespaceId;
  }

  /**
   * Renames the namespace and sets its description (an absent description clears it). NOT_FOUND when there is no
   * such namespace (the servers answer success for an unknown id, so it is read first).
   */
  async update(input: NamespaceInput & { id: string }, options: CallOptions = {}): Promise<void> {
    const { id, name, description } = parseOrThrow(updateSchema, input, 'namespaces.update');
    const { signal } = parseOrThrow(callSchema, options, 'namespaces.update options');
    if (isPublic(id)) throw new NacosError('VALIDATION', 'namespaces.update: the public namespace cannot be changed');
    await this.get(id, { ...(signal ? { signal } : {}) });
    const base = await this.#base(signal);
    const what = `update namespace ${id}`;
    const ok = await this.#context.data({ method: 'PUT', path: base, form: { namespaceId: id, namespaceName: name, namespaceDesc: description ?? '' }, signal, what });
    if (ok !== true) throw new NacosError('SERVER', `${what}: the server did not update it (answered ${JSON.stringify(ok)})`);
  }

  /** Deletes the namespace (its configs stay in the database, unreachable); deleting an absent one succeeds, as on the servers. */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    const namespaceId = parseOrThrow(namespaceSchema, id, 'namespaces.delete');
    const { signal } = parseOrThrow(callSchema, options, 'namespaces.delete options');
    if (isPublic(namespaceId)) throw new NacosError('VALIDATION', 'namespaces.delete: the public namespace cannot be deleted');
    const base = await this.#base(signal);
    const what = `delete namespace ${namespaceId}`;
    const ok = await this.#context.data({ method: 'DELETE', path: base, query: { namespaceId }, signal, what });
    if (ok !== true) throw new NacosError('SERVER', `${what}: the server did not delete it (answered ${JSON.stringify(ok)})`);
  }

  async #base(signal: AbortSignal | undefined): Promise<string> {
    return baseOf(await this.#context.generation(signal));
  }
}

const baseOf = (generation: AdminGeneration) => (generation === 'v3' ? '/v3/admin/core/namespace' : '/v2/console/namespace');
const publicAs = (generation: AdminGeneration, id: string) => (isPublic(id) ? (generation === 'v3' ? 'public' : '') : id);

function toNamespace(raw: unknown): Namespace {
  const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    id: str(item['namespace']),
    name: str(item['namespaceShowName']),
    description: str(item['namespaceDesc']),
    configCount: num(item['configCount']),
    quota: num(item['quota']),
    type: num(item['type']),
  };
}
