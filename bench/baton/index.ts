export * from './flows';
export * from './tasks';
export * from './waiting';
