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

/** A service with its settings and clusters. */
export interface ServiceDetail {
  namespaceId: string;
  groupName: string;
  name: string;
  protectThreshold: number;
  metadata: Record<string, string>;
  selector: { type: string; expression?: string };
  ephemeral: boolean | undefined;
  clusters: { name: string; healthChecker: Record<string, unknown>; metadata: Record<string, string> }[];
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

/** A cluster member. */
export interface ClusterMember {
  address: string;
  ip: string;
  port: number;
  /** `UP`, `DOWN`, `SUSPICIOUS`, `STARTING`, … */
  state: string;
  extendInfo: Record<string, unknown>;
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
