export * from './flows';
export * from './tasks';
