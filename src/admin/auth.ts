// Users, roles and permissions of Nacos' built-in auth plugin: `/v1/auth/*` on 2.x, `/v3/auth/*` on 3.x.
import * as z from 'zod/mini';
import { NacosError } from '../errors.js';
import { snippet, type NacosResponse } from '../transport/classify.js';
import { atLeast, atMost, integer, nonEmpty, oneOf, parseOrThrow, signalSchema } from '../validation.js';
import { envelopeData, statusError, type AdminContext, type AdminGeneration } from './context.js';
import { pages } from './paging.js';
import type { CallOptions, Page, PageOptions, Permission, PermissionGrant, PermissionQuery, RoleBinding, RoleQuery, User, UserQuery } from './model.js';

const nameSchema = z.string().check(nonEmpty());
const callSchema = z.optional(z.strictObject({ signal: signalSchema }));
const pageSizeSchema = z.optional(z.number().check(integer, atLeast(1), atMost(500)));
const pageSchema = z.optional(z.strictObject({ pageNumber: z.optional(z.number().check(integer, atLeast(1))), pageSize: pageSizeSchema, signal: signalSchema }));
const iterateSchema = z.optional(z.strictObject({ pageSize: pageSizeSchema, signal: signalSchema }));
const userQuerySchema = z.optional(z.strictObject({ username: z.optional(z.string()) }));
const roleQuerySchema = z.optional(z.strictObject({ username: z.optional(z.string()), role: z.optional(z.string()) }));
const permissionQuerySchema = z.optional(z.strictObject({ role: z.optional(z.string()) }));
const grantSchema = z.strictObject({ role: nameSchema, resource: nameSchema, action: oneOf(['r', 'w', 'rw']) });
const userSchema = z.strictObject({ username: nameSchema, password: nameSchema });
const usernameSchema = z.strictObject({ username: nameSchema });
const bindingSchema = z.strictObject({ role: nameSchema, username: nameSchema });

type Kind = 'user' | 'role' | 'permission';

/** Where each kind lives: one path for writes and lists on 2.x (`search=` picks the list), `…/list` on 3.x. */
const PATHS: Record<AdminGeneration, Record<Kind, { write: string; list: string }>> = {
  v2: {
    user: { write: '/v1/auth/users', list: '/v1/auth/users' },
    role: { write: '/v1/auth/roles', list: '/v1/auth/roles' },
    permission: { write: '/v1/auth/permissions', list: '/v1/auth/permissions' },
  },
  v3: {
    user: { write: '/v3/auth/user', list: '/v3/auth/user/list' },
    role: { write: '/v3/auth/role', list: '/v3/auth/role/list' },
    permission: { write: '/v3/auth/permission', list: '/v3/auth/permission/list' },
  },
};

type Params = Record<string, string | number | undefined>;
/** Paging after validation (fields may hold undefined). */
type Paging = { pageNumber?: number | undefined; pageSize?: number | undefined; signal?: AbortSignal | undefined };

/**
 * Users, roles and permissions of Nacos' built-in auth plugin, on 2.x (`/v1/auth/users|roles|permissions`) and
 * 3.x (`/v3/auth/user|role|permission`). Passwords travel only in form bodies, never in a URL or a log line; user
 * lists never answer the password hashes the servers send.
 *
 * The servers cache users and roles: a user just created may be refused at login for a few seconds, and a changed
 * password or a new permission may take as long to count.
 */
export class AdminAuth {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /** One page of users whose name contains `query.username` (every user without it). */
  async usersPage(query: UserQuery = {}, options: PageOptions = {}): Promise<Page<User>> {
    const q = parseOrThrow(userQuerySchema, query, 'auth.usersPage') ?? {};
    return this.#usersPage(q, parseOrThrow(pageSchema, options, 'auth.usersPage') ?? {});
  }

  async #usersPage(q: { username?: string | undefined }, paging: Paging): Promise<Page<User>> {
    // The servers' blur search is a SQL LIKE on `*` wildcards: a bare term would match only the whole name.
    const username = q.username ? `*${q.username}*` : '';
    const page = await this.#list('user', 'blur', { username }, paging, 'list users');
    return mapPage(page, (item) => ({ username: String(item.username ?? '') }));
  }

  /** Every user whose name contains `query.username`, page by page. */
  users(query: UserQuery = {}, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<User> {
    const q = parseOrThrow(userQuerySchema, query, 'auth.users') ?? {};
    const paging = parseOrThrow(iterateSchema, options, 'auth.users') ?? {};
    return pages((pageNumber) => this.#usersPage(q, { ...paging, pageNumber }));
  }

  /** Creates a user. Refused (`SERVER`) when the name is taken. */
  async createUser(username: string, password: string, options: CallOptions = {}): Promise<void> {
    parseOrThrow(userSchema, { username, password }, 'auth.createUser');
    const { signal } = parseOrThrow(callSchema, options, 'auth.createUser') ?? {};
    await this.#write('POST', 'user', { form: { username, password } }, `create user "${username}"`, 'a user of that name exists already', signal);
  }

  /** Deletes a user (quietly when there is none). The servers refuse to delete an admin. */
  async deleteUser(username: string, options: CallOptions = {}): Promise<void> {
    parseOrThrow(usernameSchema, { username }, 'auth.deleteUser');
    const { signal } = parseOrThrow(callSchema, options, 'auth.deleteUser') ?? {};
    await this.#write('DELETE', 'user', { query: { username } }, `delete user "${username}"`, 'the user has the admin role', signal);
  }

  /**
   * Sets a user's password. An admin may change anyone's; any other user only their own (else `AUTH`). The old
   * password keeps working until the server's user cache refreshes (a few seconds).
   */
  async changePassword(username: string, newPassword: string, options: CallOptions = {}): Promise<void> {
    parseOrThrow(z.strictObject({ username: nameSchema, newPassword: nameSchema }), { username, newPassword }, 'auth.changePassword');
    const { signal } = parseOrThrow(callSchema, options, 'auth.changePassword') ?? {};
    await this.#write('PUT', 'user', { form: { username, newPassword } }, `change the password of "${username}"`, 'no such user', signal);
  }

  /** One page of role bindings, filtered by exact `username` and/or `role`. */
  async rolesPage(query: RoleQuery = {}, options: PageOptions = {}): Promise<Page<RoleBinding>> {
    const q = parseOrThrow(roleQuerySchema, query, 'auth.rolesPage') ?? {};
    return this.#rolesPage(q, parseOrThrow(pageSchema, options, 'auth.rolesPage') ?? {});
  }

  async #rolesPage(q: { username?: string | undefined; role?: string | undefined }, paging: Paging): Promise<Page<RoleBinding>> {
    const page = await this.#list('role', 'accurate', { username: q.username ?? '', role: q.role ?? '' }, paging, 'list roles');
    return mapPage(page, (item) => ({ role: String(item.role ?? ''), username: String(item.username ?? '') }));
  }

  /** Every role binding matching `query`, page by page. */
  roles(query: RoleQuery = {}, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<RoleBinding> {
    const q = parseOrThrow(roleQuerySchema, query, 'auth.roles') ?? {};
    const paging = parseOrThrow(iterateSchema, options, 'auth.roles') ?? {};
    return pages((pageNumber) => this.#rolesPage(q, { ...paging, pageNumber }));
  }

  /**
   * Gives `username` the role `role` (a role exists while some user has it). Refused when the user does not exist,
   * already has the role, or the role is `ROLE_ADMIN` (2.x: `NOT_FOUND`/`SERVER` with the reason; 3.0: `SERVER`).
   */
  async addRole(role: string, username: string, options: CallOptions = {}): Promise<void> {
    parseOrThrow(bindingSchema, { role, username }, 'auth.addRole');
    const { signal } = parseOrThrow(callSchema, options, 'auth.addRole') ?? {};
    await this.#write('POST', 'role', { form: { role, username } }, `add role "${role}" to "${username}"`, 'the user does not exist, has the role already, or the role is ROLE_ADMIN', signal);
  }

  /** Takes the role from the user. `username` is required: without it the servers remove the role from every user. */
  async removeRole(role: string, username: string, options: CallOptions = {}): Promise<void> {
    parseOrThrow(bindingSchema, { role, username }, 'auth.removeRole');
    const { signal } = parseOrThrow(callSchema, options, 'auth.removeRole') ?? {};
    await this.#write('DELETE', 'role', { query: { role, username } }, `remove role "${role}" from "${username}"`, 'the role cannot be removed', signal);
  }

  /** One page of permissions, of exactly `query.role` (every role's without it). */
  async permissionsPage(query: PermissionQuery = {}, options: PageOptions = {}): Promise<Page<Permission>> {
    const q = parseOrThrow(permissionQuerySchema, query, 'auth.permissionsPage') ?? {};
    return this.#permissionsPage(q, parseOrThrow(pageSchema, options, 'auth.permissionsPage') ?? {});
  }

  async #permissionsPage(q: { role?: string | undefined }, paging: Paging): Promise<Page<Permission>> {
    const page = await this.#list('permission', 'accurate', { role: q.role ?? '' }, paging, 'list permissions');
    return mapPage(page, (item) => ({ role: String(item.role ?? ''), resource: String(item.resource ?? ''), action: String(item.action ?? '') }));
  }

  /** Every permission of `query.role` (or of every role), page by page. */
  permissions(query: PermissionQuery = {}, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncIterable<Permission> {
    const q = parseOrThrow(permissionQuerySchema, query, 'auth.permissions') ?? {};
    const paging = parseOrThrow(iterateSchema, options, 'auth.permissions') ?? {};
    return pages((pageNumber) => this.#permissionsPage(q, { ...paging, pageNumber }));
  }

  /**
   * Lets `role` do `action` on `resource` (`namespaceId:group:resource`, `*` wildcards; see {@link Permission} for
   * the public namespace). The role must exist (have a user). Adding a permission twice is no error.
   */
  async addPermission(grant: PermissionGrant, options: CallOptions = {}): Promise<void> {
    const { role, resource, action } = parseOrThrow(grantSchema, grant, 'auth.addPermission');
    const { signal } = parseOrThrow(callSchema, options, 'auth.addPermission') ?? {};
    await this.#write('POST', 'permission', { form: { role, resource, action } }, `add permission ${action} on "${resource}" to "${role}"`, 'the role does not exist', signal);
  }

  /** Removes that exact permission (quietly when there is none). */
  async removePermission(grant: PermissionGrant, options: CallOptions = {}): Promise<void> {
    const { role, resource, action } = parseOrThrow(grantSchema, grant, 'auth.removePermission');
    const { signal } = parseOrThrow(callSchema, options, 'auth.removePermission') ?? {};
    await this.#write('DELETE', 'permission', { query: { role, resource, action } }, `remove permission ${action} on "${resource}" from "${role}"`, 'the permission cannot be removed', signal);
  }

  async #list(kind: Kind, search: 'blur' | 'accurate', filter: Params, paging: Paging, what: string): Promise<unknown> {
    const { signal } = paging;
    const generation = await this.#context.generation(signal);
    const req = { method: 'GET' as const, path: PATHS[generation][kind].list, query: { pageNo: paging.pageNumber ?? 1, pageSize: paging.pageSize ?? 20, search, ...filter }, signal, what };
    // 2.x answers the bare page, 3.x the page in its envelope.
    return generation === 'v2' ? this.#context.json(req) : this.#context.data(req);
  }

  async #write(method: 'POST' | 'PUT' | 'DELETE', kind: Kind, params: { query?: Params; form?: Params }, what: string, refusedHint: string, signal: AbortSignal | undefined): Promise<void> {
    const generation = await this.#context.generation(signal);
    const res = await this.#context.send({ method, path: PATHS[generation][kind].write, ...params, signal, what });
    if (res.status < 200 || res.status > 299) throw refusal(res, what);
    // 3.0's auth controllers are outside its API exception handler: what they refuse (an IllegalArgumentException)
    // comes back as an empty 200, with no reason to report.
    if (res.body.trim() === '') throw new NacosError('SERVER', `${what}: refused by the server without a reason (likely: ${refusedHint})`, { status: res.status, server: res.server.origin });
    envelopeData(res, what);
  }
}

/**
 * The error of a refused write. 2.x explains a refusal in a plain-text 400 (`caused: user 'x' not found!;`): one
 * that names something absent is `NOT_FOUND`.
 */
function refusal(res: NacosResponse, what: string): NacosError {
  if (res.status === 400 && !res.body.trimStart().startsWith('{') && /not ?exist|not found/i.test(res.body)) {
    return new NacosError('NOT_FOUND', `${what}: ${snippet(res.body)}`, { status: res.status, server: res.server.origin });
  }
  return statusError(res, what);
}

/** A server page (`{ totalCount, pageNumber, pagesAvailable, pageItems }`, the same on 2.x and 3.x) in our shape. */
function mapPage<T>(body: unknown, map: (item: Record<string, unknown>) => T): Page<T> {
  const page = body as { totalCount?: unknown; pageNumber?: unknown; pagesAvailable?: unknown; pageItems?: unknown } | null;
  if (typeof page !== 'object' || page === null || !Array.isArray(page.pageItems)) throw new NacosError('SERVER', `not a page of a Nacos list: ${snippet(JSON.stringify(body) ?? String(body))}`);
  const items = (page.pageItems as unknown[]).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null).map(map);
  return { items, totalCount: Number(page.totalCount ?? items.length), pageNumber: Number(page.pageNumber ?? 1), pagesAvailable: Number(page.pagesAvailable ?? 1) };
}

