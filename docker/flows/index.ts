// The flows and tasks the compose stacks run by default (mounted at /flows, BATON_FLOWS=/flows).
// Point BATON_FLOWS_DIR in .env at a folder of your own laid out the same way.
export * from './flows';
export * from './tasks';
