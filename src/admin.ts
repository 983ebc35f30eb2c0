/**
 * `nacos-edge/admin`: operate Nacos from anywhere `fetch` runs — namespaces, configs, services and instances,
 * cluster state, users, roles and permissions — on Nacos 2.x (v1 console, v1/v2 open APIs) and 3.x (`/v3/admin`).
 *
 * @module
 */
export { NacosAdminClient, type AdminClientOptions, type AdminLogin } from './admin/client.js';
export type { AdminGeneration, TokenSource } from './admin/context.js';
export { isNacosError, NacosError, NacosValidationError, type NacosErrorCode } from './errors.js';
export type { Permission, PermissionAction, PermissionGrant, PermissionQuery, RoleBinding, RoleQuery, User, UserQuery } from './admin/model.js';
