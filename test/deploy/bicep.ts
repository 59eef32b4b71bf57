// Reads the Bicep templates the way a compiler's front end would: tree-sitter-bicep's grammar (its bundled WASM)
// through web-tree-sitter. The deployment tests use it to check syntax and to read parameters, settings and the
// role's actions out of the templates themselves, so nothing here is a hand-copied list.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const INFRA = join(ROOT, 'infra');

let parser: Parser | undefined;

/** A parser for Bicep, loaded once. */
export async function bicepParser(): Promise<Parser> {
  if (parser) return parser;
  await Parser.init();
  const require = createRequire(import.meta.url);
  const wasm = join(require.resolve('tree-sitter-bicep/package.json'), '..', 'tree-sitter-bicep.wasm');
  const language = await Language.load(wasm);
  parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Every .bicep file under infra/, as paths relative to the repository. */
export function bicepFiles(dir = INFRA): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? bicepFiles(join(dir, entry.name))
        : entry.name.endsWith('.bicep')
          ? [relative(ROOT, join(dir, entry.name))]
          : [],
    )
    .sort();
}

export async function parseBicepText(text: string): Promise<Tree> {
  const tree = (await bicepParser()).parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

export async function parseBicep(path: string): Promise<Node> {
  return (await parseBicepText(readFileSync(join(ROOT, path), 'utf8'))).rootNode;
}

/** Where the parser found text that is not Bicep, or had to invent a missing token: `line:column what`. */
export function syntaxErrors(node: Node): string[] {
  if (node.isError)
    return [
      `${node.startPosition.row + 1}:${node.startPosition.column + 1} unexpected '${node.text.slice(0, 40)}'`,
    ];
  if (node.isMissing)
    return [`${node.startPosition.row + 1}:${node.startPosition.column + 1} missing ${node.type}`];
  if (!node.hasError) return [];
  return node.children.flatMap((child) => (child ? syntaxErrors(child) : []));
}

/** Every node of a type, in document order. */
export function nodesOfType(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

/** A string literal's text, or undefined for anything else (interpolations included). */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  const parts = node.namedChildren.filter((c): c is Node => c !== null);
  if (parts.some((p) => p.type !== 'string_content' && p.type !== 'escape_sequence')) return undefined;
  return parts.map((p) => p.text).join('');
}

export interface BicepParameter {
  name: string;
  /** `string`, `int`, `bool`, `object`, `array`, or `string[]` and the like. */
  type: string;
  /** The default as written (`24`, `'User'`, `false`), if any. */
  defaultText?: string;
  /** Decorators by name, with their argument as written: `{ minValue: '0', maxValue: '168' }`. */
  decorators: Record<string, string>;
}

/** The template's parameters with their types, defaults and decorators. */
export function parameters(root: Node): Map<string, BicepParameter> {
  const found = new Map<string, BicepParameter>();
  const children = root.namedChildren.filter((c): c is Node => c !== null);
  children.forEach((child, index) => {
    if (child.type !== 'parameter_declaration') return;
    const named = child.namedChildren.filter((c): c is Node => c !== null);
    const name = named.find((c) => c.type === 'identifier')?.text ?? '';
    const typeNode = named.find((c) => c.type === 'type');
    const valueNode = named.find((c, i) => i > named.indexOf(typeNode ?? c) && c !== typeNode);
    const decorators: Record<string, string> = {};
    const previous = children[index - 1];
    if (previous?.type === 'decorators') {
      for (const call of nodesOfType(previous, 'call_expression')) {
        const callee = call.namedChildren[0]?.text ?? '';
        const args = call.namedChildren[1]?.text.replace(/^\(|\)$/g, '') ?? '';
        decorators[callee] = args;
      }
    }
    found.set(name, {
      name,
      type: typeNode?.text ?? 'unknown',
      ...(valueNode ? { defaultText: valueNode.text } : {}),
      decorators,
    });
  });
  return found;
}

/** The value of `var name = …` at the top of a template. */
export function variable(root: Node, name: string): Node | undefined {
  for (const declaration of nodesOfType(root, 'variable_declaration')) {
    const named = declaration.namedChildren.filter((c): c is Node => c !== null);
    if (named[0]?.text === name) return named[named.length - 1];
  }
  return undefined;
}

/** The properties of every object literal that is the value of a property called `key`, merged. */
export function propertiesUnder(root: Node, key: string): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const property of nodesOfType(root, 'object_property')) {
    const [name, value] = property.namedChildren.filter((c): c is Node => c !== null);
    if (name?.text !== key || !value) continue;
    for (const object of value.type === 'object' ? [value] : nodesOfType(value, 'object')) {
      for (const inner of object.namedChildren) {
        if (inner?.type !== 'object_property') continue;
        const [innerName, innerValue] = inner.namedChildren.filter((c): c is Node => c !== null);
        if (innerName && innerValue) found.set(innerName.text.replace(/^'|'$/g, ''), innerValue);
      }
    }
  }
  return found;
}
