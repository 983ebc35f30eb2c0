// The shapes admin calls answer, the same on every server generation (each area maps the server's answer to them).

/** Options every admin call takes. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** One page of a paged list. */
export interface Page<T> {
  items: T[];
  /** Items in all pages. */
  totalCount: number;
  /** 1-based. */
  pageNumber: number;
  pagesAvailable: number;
}

/** Paging of a one-page call. */
export interface PageOptions extends CallOptions {
  /** 1-based, default 1. */
  pageNumber?: number;
  /** Default 20 (max 500 on 3.x for some lists). */
  pageSize?: number;
}

/** A namespace. The public namespace has id `''` on 2.x and `public` on 3.x; both are accepted everywhere. */
export interface Namespace {
  id: string;
  name: string;
  description: string;
  /** Configs in it. */
  configCount: number;
  /** Most configs it may hold (the server's quota). */
  quota: number;
  /** 0 public, 1 custom (3.x), 2 custom (2.x). */
  type: number;
}

/** A config as lists show it (no content unless the list carries it). */
export interface ConfigSummary {
  namespaceId: string;
  dataId: string;
  group: string;
  appName: string;
  type: string;
  /** Present when the list answers it. */
  md5?: string;
  content?: string;
}

/** A config with content and metadata. */
export interface ConfigDetail extends ConfigSummary {
  id: string;
  content: string;
  md5: string;
  description: string;
  tags: string[];
  /** Epoch ms. */
  createTime: number;
  modifyTime: number;
  createUser: string;
  createIp: string;
  encryptedDataKey: string;
}

/** One entry of a config's history. */
export interface HistoryEntry {
  /** The history id (`nid`). */
  id: string;
  namespaceId: string;
  dataId: string;
  group: string;
  appName: string;
  /** `I` insert, `U` update, `D` delete. */
  opType: string;
  /** Epoch ms of the change. */
  modifyTime: number;
  srcUser: string;
  srcIp: string;
  md5: string;
  /** Present in detail answers. */
  content?: string;
  /** `formal`, `gray`/`beta`, … where the server records it. */
  publishType?: string;
  /** The config's type at that version (from the entry's extra info), where the server records it. */
  type?: string;
  /** The description and tags at that version, where the server records them (detail answers). */
  description?: string;
  tags?: string[];
}

/** What {@link Namespace}s are made and changed from. */
export interface NamespaceInput {
  /** The namespace id; made up (a UUID) when absent on create. */
  id?: string | undefined;
  name: string;
  description?: string | undefined;
}

/** Which config: the public namespace when `namespaceId` is absent, `''` or `public`; `DEFAULT_GROUP` when `group` is. */
export interface ConfigKey {
  namespaceId?: string | undefined;
  dataId: string;
  group?: string | undefined;
}

/**
 * A config search. Terms left out match everything. `mode: 'exact'` matches dataId, group and content as given;
 * `'fuzzy'` matches them as the server's `*` patterns, a term without `*` as a substring. Default: fuzzy when a term
 * has a `*`, else exact. `tags` matches configs with any of them; `appName` is always exact.
 */
export interface ConfigQuery {
  namespaceId?: string | undefined;
  dataId?: string | undefined;
  group?: string | undefined;
  appName?: string | undefined;
  tags?: string[] | undefined;
  content?: string | undefined;
  mode?: 'exact' | 'fuzzy' | undefined;
}

/** What a config is published with. Absent metadata fields are sent as absent (the server then clears them). */
export interface ConfigPublish extends ConfigKey {
  content: string;
  /** `text`, `json`, `yaml`, `properties`, `xml`, `html` or `toml`. */
  type?: string | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  appName?: string | undefined;
  /** Compare-and-swap: publish only while the config's md5 is this (lower-case hex); a lost race is `CAS_CONFLICT`. */
  casMd5?: string | undefined;
}

/** A beta (gray) publish: the content only the clients at `betaIps` get. */
export interface ConfigBetaPublish extends ConfigPublish {
  betaIps: string[];
}

/** A config's beta release. */
export interface ConfigBeta {
  content: string;
  betaIps: string[];
  md5: string;
}

/** One history entry of a config. */
export interface HistoryRef extends ConfigKey {
  /** The history id ({@link HistoryEntry.id}). */
  id: string;
}

/** A client listening to a config, and the md5 it has. */
export interface ConfigListener {
  ip: string;
  md5: string;
}

/** A service as the list shows it. */
export interface ServiceSummary {
  namespaceId: string;
  groupName: string;
  name: string;
  clusterCount: number;
  ipCount: number;
  healthyInstanceCount: number;
  /** Whether it has a protect threshold trigger in effect (where the server says). */
  triggerFlag: boolean;
}

/**
 * Which instances a consumer of the service is given: `none` (all), or `label` with an expression such as
 * `CONSUMER.label.zone = PROVIDER.label.zone` (the server's CMDB label selector).
 */
export interface ServiceSelector {
  type: string;
  expression?: string;
}

/** A cluster of a service, as its detail shows it. */
export interface ServiceCluster {
  name: string;
  /** `{ type: 'TCP' | 'HTTP' | 'MYSQL' | 'NONE', … }`; persistent instances' health is set by hand only under `NONE`. */
  healthChecker: Record<string, unknown>;
  metadata: Record<string, string>;
}

/** A service with its settings and clusters. */
export interface ServiceDetail {
  namespaceId: string;
  groupName: string;
  name: string;
  protectThreshold: number;
  metadata: Record<string, string>;
  selector: ServiceSelector;
  ephemeral: boolean | undefined;
  clusters: ServiceCluster[];
}

/** Names one service. The public namespace is `''` or `public`; the group defaults to `DEFAULT_GROUP`. */
export interface ServiceRef {
  namespaceId?: string;
  groupName?: string;
  name: string;
}

/** What a service list filters on. */
export interface ServiceQuery {
  namespaceId?: string;
  /** The group (the server matches it as it does: a substring on 2.x and 3.x). */
  groupName?: string;
  /** A part of the service name. */
  name?: string;
}

/** The settings of a service to create or change. */
export interface ServiceInput extends ServiceRef {
  /** 0 to 1: below this share of healthy instances, consumers are given the unhealthy ones too. */
  protectThreshold?: number;
  metadata?: Record<string, string>;
  selector?: ServiceSelector;
  /** Only at creation: a persistent (`false`) service holds only persistent instances. */
  ephemeral?: boolean;
}

/** An instance across clusters. */
export interface AdminInstance {
  ip: string;
  port: number;
  clusterName: string;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  metadata: Record<string, string>;
  instanceId?: string;
}

/** Names the instances of one service. */
export interface InstancesRef {
  namespaceId?: string;
  groupName?: string;
  serviceName: string;
}

/** Names one instance; the cluster defaults to `DEFAULT`. `ephemeral`, when given, must match the instance. */
export interface InstanceRef extends InstancesRef {
  ip: string;
  port: number;
  clusterName?: string;
  ephemeral?: boolean;
}

/** The fields of an instance to change; the rest is kept. */
export interface InstanceUpdate extends InstanceRef {
  enabled?: boolean;
  /** 0 to 10000. */
  weight?: number;
  /** The whole new metadata (keys the instance registered with come back: the server keeps them under an override). */
  metadata?: Record<string, string>;
}

/** A cluster member. */
export interface ClusterMember {
  address: string;
  ip: string;
  port: number;
  /** `UP`, `DOWN`, `SUSPICIOUS`, `STARTING`, … */
  state: string;
  extendInfo: Record<string, unknown>;
}

/** Whether the server answers its liveness and readiness probes. */
export interface ServerHealth {
  live: boolean;
  ready: boolean;
}

/** A user (never with its password: the servers' lists carry its hash, which is dropped). */
export interface User {
  username: string;
}

/** What `auth.usersPage` looks for. */
export interface UserQuery {
  /** A part of the username (the server's blur search; a `*` in it is the server's wildcard). All users when absent. */
  username?: string;
}

/** A role given to a user. */
export interface RoleBinding {
  role: string;
  username: string;
}

/** What `auth.rolesPage` looks for: exact names; absent fields match every binding. */
export interface RoleQuery {
  username?: string;
  role?: string;
}

/** What a permission allows: `r` read, `w` write, `rw` both. */
export type PermissionAction = 'r' | 'w' | 'rw';

/**
 * A permission of a role on a resource. The resource is `namespaceId:group:resource` with `*` wildcards, e.g.
 * `dev:*:*` (every config and service of namespace `dev`); the public namespace is written `public` on 3.x and as
 * the empty string on 2.x (`:*:*`), because that is what each server matches against.
 */
export interface Permission {
  role: string;
  resource: string;
  /** `r`, `w` or `rw` (servers store what they were sent; this client only sends these). */
  action: string;
}

/** What `auth.permissionsPage` looks for: an exact role; absent: every permission. */
export interface PermissionQuery {
  role?: string;
}

/** A permission to add or remove. */
export interface PermissionGrant {
  role: string;
  resource: string;
  action: PermissionAction;
}
