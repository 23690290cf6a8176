// Starts the embedded dev server with extra dynamic config and keeps it up until interrupted, so a
// benchmark can run against it: `npx tsx bench/serve-dev.ts '{"key":value}'` prints the address;
// then `TEMPORAL_ADDRESS=<address> npm run bench -- --only W2`.
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';

(async () => {
  const extra = JSON.parse(process.argv[2] ?? '{}');
  const config = loadConfig({ ...process.env, BATON_HOME: fs.mkdtempSync('/tmp/serve-dev-') });
  const target = await startDevServer({ config, port: await freePort(), uiPort: await freePort(), dynamicConfig: extra });
  console.log(target.address);
  const stop = async () => {
    await target.devServer?.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
})();
