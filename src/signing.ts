/**
 * `nacos-edge/signing`: Spas request signing with AK/SK (`accessKey`/`secretKey` or a `credentialsProvider`), as
 * Alibaba Cloud MSE/ACM require. Hand it to the builder; apps without AK/SK never ship it. Pages without WebCrypto
 * (plain http) also need `nobleHmacSha1` from `nacos-edge/noble`.
 *
 * @example
 * import { spasSigning } from 'nacos-edge/signing';
 * new ClientConfigBuilder().serverAddress('mse.example.com:8848').accessKey(ak).secretKey(sk).signing(spasSigning).build();
 *
 * @module
 */
export { spasSigning, type RequestSigner, type SignTarget } from './transport/signing.js';
