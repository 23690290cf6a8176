// Every example, for `baton start` and `baton worker start --flows examples`.
export * from './quickstart';
export * from './quality-gate';
export * from './narrative';
