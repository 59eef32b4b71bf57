// Azure Functions route templates (`targets/{id}`, `{id?}`, `{id:int}`, `{*rest}`), matched the way the
// host does: case-insensitive literals, one segment per parameter, the most literal route winning.

export interface CompiledRoute {
  template: string;
  /** Number of literal segments: more literal routes win over parameter ones. */
  specificity: number;
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string; optional: boolean }
  | { kind: 'catchAll'; name: string };

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template
    .split('/')
    .filter((s) => s.length > 0)
    .map((segment) => {
      const parameter = /^\{(\*?)([A-Za-z_][\w]*)(?::[^}?]*)?(\?)?\}$/.exec(segment);
      if (!parameter) return { kind: 'literal', text: segment.toLowerCase() };
      const [, star, name = '', optional] = parameter;
      return star ? { kind: 'catchAll', name } : { kind: 'parameter', name, optional: optional === '?' };
    });
  return {
    template,
    specificity: segments.filter((s) => s.kind === 'literal').length,
    match(path) {
      const parts = path.split('/').filter((s) => s.length > 0);
      const params: Record<string, string> = {};
      for (const [i, segment] of segments.entries()) {
        const part = parts[i];
        if (segment.kind === 'catchAll') {
          params[segment.name] = parts.slice(i).map(decode).join('/');
          return params;
        }
        if (part === undefined) {
          if (segment.kind === 'parameter' && segment.optional) continue;
          return undefined;
        }
        if (segment.kind === 'literal') {
          if (decode(part).toLowerCase() !== segment.text) return undefined;
        } else params[segment.name] = decode(part);
      }
      return parts.length <= segments.length ? params : undefined;
    },
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
