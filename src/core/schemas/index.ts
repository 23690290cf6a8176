/**
 * The contract: zod schemas for every request and response of the REST API, one file per
 * resource. The API validates with them, the OpenAPI document is generated from them (see
 * contract.ts), and the client and CLI parse with them. A schema and its inferred type share a name.
 */
export * from './contract';
export * from './common';
export * from './deployment';
export * from './run';
export * from './flow-run';
export * from './flow';
export * from './approval';
export * from './system';
export * from './task-queue';
export * from './run-log';
export * from './artifact';
export * from './concurrency-limit';
export * from './variable';
export * from './codec';
