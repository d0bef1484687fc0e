/**
 * The import graph of src/, read with TypeScript's parser (no type checking): each module's imports and re-exports
 * (static and `import()`), split into those that load at run time and those that are types only (`import type`,
 * `export type`, or named imports that are all `type`), which the compiler erases. Relative specifiers resolve to
 * the .ts/.tsx file; packages and `#` subpath imports are kept as written. For tests of the layer rules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ModuleImports {
  /** Imports that load at run time: repo-relative paths of src modules, or package specifiers. */
  runtime: string[];
  /** Type-only imports (erased by the compiler). */
  types: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveSpecifier(root: string, from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const base = resolve(dirname(from), spec);
  const hit = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find(
    (p) => existsSync(p) && statSync(p).isFile(),
  );
  return relative(root, hit ?? base)
    .split('\\')
    .join('/');
}

function importsOf(root: string, file: string): ModuleImports {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: ModuleImports = { runtime: [], types: [] };
  const add = (spec: string, typeOnly: boolean) =>
    (typeOnly ? out.types : out.runtime).push(resolveSpecifier(root, file, spec));
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

/** Every module under `root`/src, keyed by its repo-relative path (`src/core/tf.ts`). */
export function importGraph(root: string): Map<string, ModuleImports> {
  const graph = new Map<string, ModuleImports>();
  for (const file of sourceFiles(join(root, 'src')))
    graph.set(relative(root, file).split('\\').join('/'), importsOf(root, file));
  return graph;
}

/** The modules `start` loads at run time, itself included (src modules only; packages are edges, not nodes). */
export function runtimeClosure(graph: Map<string, ModuleImports>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m) || !graph.has(m)) continue;
    seen.add(m);
    stack.push(...graph.get(m)!.runtime);
  }
  return seen;
}

/** Import cycles (type imports included), each as its modules in order, from a depth-first search. */
export function cycles(graph: Map<string, ModuleImports>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (m: string): void => {
    state.set(m, 'open');
    path.push(m);
    for (const next of [...graph.get(m)!.runtime, ...graph.get(m)!.types]) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(m, 'done');
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return found;
}
