// What `baton worker start --flows examples/narrative` loads: the flows and the tasks they call.
export * from './flows';
export * from './tasks';
