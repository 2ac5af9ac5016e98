import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { REPOSITORY_ROOT } from '../../server/src/infra/config/config.js';

const ADMIN_APP = path.join(REPOSITORY_ROOT, 'admin', 'app');
const DOCUMENT = /graphql\(\s*`([\s\S]*?)`/g;

export interface AdminOperation {
  name: string;
  /** The operation with every fragment it spreads, as the admin sends it. */
  document: DocumentNode;
  source: string;
}

/** Every operation the admin sends: the `graphql(\`…\`)` documents in admin/app, with their fragments. */
export function adminOperations(): AdminOperation[] {
  const files = (fs.readdirSync(ADMIN_APP, { recursive: true }) as string[])
    .filter((f) => /\.(ts|vue)$/.test(f))
    .map((f) => path.join(ADMIN_APP, f));
  const fragments = new Map<string, { node: FragmentDefinitionNode; source: string }>();
  const operations: { node: OperationDefinitionNode; source: string }[] = [];
  for (const file of files) {
    for (const [, source] of fs.readFileSync(file, 'utf8').matchAll(DOCUMENT)) {
      for (const definition of parse(source!).definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, { node: definition, source: source! });
        else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push({ node: definition, source: source! });
      }
    }
  }
  const spreads = (text: string) => [...text.matchAll(/\.\.\.(\w+)/g)].map((m) => m[1]!);
  return operations.map(({ node, source }) => {
    const needed = new Set<string>();
    const queue = spreads(source);
    while (queue.length) {
      const name = queue.pop()!;
      if (needed.has(name) || !fragments.has(name)) continue;
      needed.add(name);
      queue.push(...spreads(fragments.get(name)!.source));
    }
    const full = [source, ...[...needed].map((n) => fragments.get(n)!.source)].join('\n');
    // The operation's own source may define fragments too; parse the whole thing once.
    const document = parse(full);
    const unique = new Map(document.definitions.map((d) => [('name' in d && d.name?.value) || d.kind, d]));
    return { name: node.name?.value ?? '(anonymous)', document: { ...document, definitions: [...unique.values()] }, source: full };
  });
}
