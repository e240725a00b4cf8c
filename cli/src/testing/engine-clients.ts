// Which engines' client libraries a process loads: a resolve hook, registered before anything else
// is imported, prints `client:<specifier>` for each one the process asks for.

/** The engines' clients an embedded process has no use for. */
export const ENGINE_CLIENTS = ['mongodb', '@elastic/elasticsearch', 'nats', 'ioredis'] as const;

const hook = `export async function resolve(specifier, context, next) {
  if (${JSON.stringify(ENGINE_CLIENTS)}.includes(specifier)) console.log('client:' + specifier);
  return next(specifier, context);
}`;

/** Registers the hook; put it first in a script, or pass it to node as `--import`. */
export const registerClientHook = [
  `import { register } from 'node:module';`,
  `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`,
].join('\n');

/** Node options that register the hook in a process before its entry runs. */
export const clientHookArgs: readonly string[] = [
  '--import',
  `data:text/javascript,${encodeURIComponent(registerClientHook)}`,
];

/** The clients named in a hooked process's output, each once, sorted. */
export const clientsLoaded = (stdout: string): string[] =>
  [
    ...new Set(
      stdout
        .split('\n')
        .filter((line) => line.startsWith('client:'))
        .map((line) => line.slice('client:'.length)),
    ),
  ].sort();
