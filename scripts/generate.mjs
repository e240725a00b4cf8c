// Produces generated code from the committed sources in schema/: gRPC types from the .proto files
// and the typed GraphQL client from schema/graphql/schema.graphql + client/operations.
// Generated files are build output (git-ignored), never edited by hand.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const newest = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
};
const stale = (inputs, output) => !existsSync(output) || Math.max(...inputs.map(newest)) > newest(output);

const protoOut = join(root, 'schema/src/generated');
if (stale([join(root, 'schema/proto')], protoOut)) {
  rmSync(protoOut, { recursive: true, force: true });
  mkdirSync(protoOut, { recursive: true });
  execFileSync(
    bin('proto-loader-gen-types'),
    [
      '--longs=Number',
      '--enums=String',
      '--defaults',
      '--oneofs',
      '--grpcLib=@grpc/grpc-js',
      '--importFileExtension=.js',
      `--outDir=${protoOut}`,
      join(root, 'schema/proto/ledger.proto'),
    ],
    { stdio: 'inherit' },
  );
}

const clientOut = join(root, 'client/src/generated');
if (stale([join(root, 'schema/graphql'), join(root, 'client/operations'), join(root, 'codegen.yml')], clientOut)) {
  execFileSync(bin('graphql-codegen'), ['--config', join(root, 'codegen.yml')], { stdio: 'inherit', cwd: root });
}
