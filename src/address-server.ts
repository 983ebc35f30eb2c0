/**
 * `nacos-edge/address-server`: server discovery through an address server (`endpoint`), as Alibaba Cloud MSE/ACM
 * and self-hosted jmenv set-ups use. Hand it to the builder together with the endpoint; apps with a static server
 * list never ship it.
 *
 * @example
 * import { addressServer } from 'nacos-edge/address-server';
 * new ClientConfigBuilder().endpoint('jmenv.example.com:8080').addressServer(addressServer).build();
 *
 * @module
 */
export { addressServer, type AddressServerDiscovery, type DiscoveryContext, type ServerDiscovery } from './transport/endpoint.js';
