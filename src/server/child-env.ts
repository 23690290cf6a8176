/** The environment minus secrets, for child processes (the Go build, the dev server) that have no use for them. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of Object.keys(out)) {
    if (/^TEMPORAL_/.test(key) || /^BATON_API_KEYS?$/.test(key) || /(SECRET|PASSWORD|TOKEN|API_KEY)/i.test(key)) delete out[key];
  }
  return out;
}
