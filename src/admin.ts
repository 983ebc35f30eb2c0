/**
 * `nacos-edge/admin`: operate Nacos from anywhere `fetch` runs — namespaces, configs, services and instances,
 * cluster state, users, roles and permissions — on Nacos 2.x (v1 console, v1/v2 open APIs) and 3.x (`/v3/admin`).
 *
 * @module
 */
export { NacosAdminClient, type AdminClientOptions, type AdminLogin } from './admin/client.js';
export type { AdminGeneration, TokenSource } from './admin/context.js';
export { isNacosError, NacosError, NacosValidationError, type NacosErrorCode } from './errors.js';
export type { ConfigBeta, ConfigBetaPublish, ConfigDetail, ConfigKey, ConfigListener, ConfigPublish, ConfigQuery, ConfigSummary, HistoryEntry, HistoryRef, Namespace, NamespaceInput } from './admin/model.js';
export type { AdminInstance, ClusterMember, InstanceRef, InstancesRef, InstanceUpdate, ServerHealth, ServiceCluster, ServiceDetail, ServiceInput, ServiceQuery, ServiceRef, ServiceSelector, ServiceSummary } from './admin/model.js';
export type { CallOptions, Page, PageOptions } from './admin/model.js';
export type { Permission, PermissionAction, PermissionGrant, PermissionQuery, RoleBinding, RoleQuery, User, UserQuery } from './admin/model.js';
