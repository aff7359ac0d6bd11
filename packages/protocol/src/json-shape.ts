/**
 * Bounds on the shape of parsed JSON that Ferry stores and re-serializes (manifests): how deep it may nest,
 * and no keys that name an object prototype. Checked by an explicit-stack walk, so a hostile document can
 * never overflow the call stack here or later, in `JSON.stringify` or any other recursive code that reads it.
 */

/** Deepest nesting a manifest may have: the document itself is level 0, `metadata`'s own values level 1. */
export const MAX_JSON_DEPTH = 32

/** Keys refused anywhere in a manifest: `__proto__`, `constructor` and `prototype` can pollute prototypes. */
export const PROTOTYPE_KEYS: readonly string[] = Object.freeze(['__proto__', 'constructor', 'prototype'])

interface Frame {
  value: unknown
  depth: number
  key: string
  parent: Frame | null
}

/** `a.b.3.c`, shortened in the middle when long. */
function pathOf(frame: Frame): string {
  const keys: string[] = []
  for (let f: Frame | null = frame; f?.parent; f = f.parent) keys.push(f.key)
  keys.reverse()
  const shown =
    keys.length > 8 ? [...keys.slice(0, 4), `…(${keys.length - 7} more)…`, ...keys.slice(-3)] : keys
  return shown.join('.')
}

/**
 * The first problem with a JSON value's shape, or null: a key in PROTOTYPE_KEYS (named, with its path), or
 * nesting deeper than `maxDepth`. Visits each node once, without recursion.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: Frame[] = [{ value, depth: 0, key: '', parent: null }]
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const v = frame.value
    if (typeof v !== 'object' || v === null) continue
    const at = frame.parent ? ` (at ${pathOf(frame)})` : ''
    if (frame.depth >= maxDepth) return `nests deeper than ${maxDepth} levels${at}`
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], depth: frame.depth + 1, key: String(i), parent: frame })
      }
      continue
    }
    for (const key of Object.keys(v)) {
      const child: Frame = { value: undefined, depth: frame.depth + 1, key, parent: frame }
      if (PROTOTYPE_KEYS.includes(key)) {
        return `key "${key}" is not allowed (at ${pathOf(child)}): it can pollute the prototype of whatever reads it`
      }
      child.value = (v as Record<string, unknown>)[key]
      stack.push(child)
    }
  }
  return null
}
