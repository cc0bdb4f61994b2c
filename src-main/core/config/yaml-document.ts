// The config text as one YAML document, read defensively. Nesting is measured on the parser's
// tokens (built without recursion) before the composer recurses into them: 800 nested `[` made it
// report "Maximum call stack size exceeded". A second document, a tag this schema does not know
// (`!!python/object` was read as text), a mapping or list as a key and an alias inside its own
// anchor (a value that contains itself) are refused, each at its place.
import { Composer, isAlias, isMap, isNode, isSeq, LineCounter, Parser, visit, type CST, type Document } from 'yaml'
import { duplicateKeys } from './duplicate-keys'

/** Mappings and lists inside each other. The config itself needs six; an http body a few more. */
export const MAX_YAML_DEPTH = 64

export interface YamlProblem {
  offset: number
  message: string
}

export interface YamlRead {
  /** Null when the text is not one readable document. */
  doc: Document | null
  lineCounter: LineCounter
  /** With a `doc`, problems that leave the tree as written (duplicate keys); without, why there is none. */
  problems: YamlProblem[]
}

export function readYamlDocument(text: string): YamlRead {
  const lineCounter = new LineCounter()
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)]
  const fail = (problems: YamlProblem[]): YamlRead => ({ doc: null, lineCounter, problems })

  const tooDeep = firstTooDeep(tokens)
  if (tooDeep !== null) {
    return fail([{ offset: tooDeep, message: `the YAML nests deeper than ${MAX_YAML_DEPTH} levels of mappings and lists here` }])
  }

  const docs = [...new Composer({ uniqueKeys: false }).compose(tokens, true, text.length)]
  const [doc, second] = docs
  if (doc === undefined) return fail([{ offset: 0, message: 'the config is not a YAML document' }])
  if (second !== undefined) {
    const at = second.range[0]
    const { line, col } = lineCounter.linePos(at)
    return fail([{ offset: at, message: `the config must be one YAML document; found a second at ${line}:${col}` }])
  }
  // After a syntax error the tree is a guess; schema errors on it would only mislead.
  if (doc.errors.length > 0) return fail(doc.errors.map((error) => ({ offset: error.pos[0], message: `YAML syntax error: ${error.message}` })))
  const doubtful = [...unsupportedTags(doc, text), ...warnings(doc), ...collectionKeys(doc), ...selfContainingAliases(doc)]
  if (doubtful.length > 0) return fail(doubtful)

  const problems = duplicateKeys(doc).map(({ offset, key }) => ({
    offset,
    message: `duplicate key ${JSON.stringify(key)}; a key may appear only once in a mapping`,
  }))
  return { doc, lineCounter, problems }
}

/** Where collections first nest deeper than MAX_YAML_DEPTH, or null. */
function firstTooDeep(tokens: readonly CST.Token[]): number | null {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }))
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { token, depth } = entry
    switch (token.type) {
      case 'document':
        if (token.value) stack.push({ token: token.value, depth })
        break
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > MAX_YAML_DEPTH) return token.offset
        for (const item of token.items) {
          if ('key' in item && item.key) stack.push({ token: item.key, depth: depth + 1 })
          if (item.value) stack.push({ token: item.value, depth: depth + 1 })
        }
        break
      }
      default:
        break
    }
  }
  return null
}

/** Tags of the YAML core schema: they only say what the value already is. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`))

/**
 * Any other tag is refused: an unknown one (`!!python/object`, `!secret`) was read as plain text,
 * and the YAML 1.1 ones the library knows (`!!binary`, `!!set`, `!!timestamp`) make values no
 * config field takes, reported as a mystifying "got a mapping".
 */
function unsupportedTags(doc: Document, text: string): YamlProblem[] {
  const problems: YamlProblem[] = []
  visit(doc, {
    Node(_, node) {
      if (!isNode(node) || node.tag === undefined || CORE_TAGS.has(node.tag) || !node.range) return
      // The node's range starts at its value; the tag is written before it.
      let at = text.lastIndexOf('!', node.range[0])
      while (at > 0 && text[at - 1] === '!') at--
      const tag = at === -1 ? node.tag : (/^\S+/.exec(text.slice(at)) ?? [node.tag])[0]
      problems.push({
        offset: at === -1 ? node.range[0] : at,
        message: `unknown YAML tag ${tag}; the config holds plain text, numbers, true/false, lists and mappings (remove the tag)`,
      })
    },
  })
  return problems
}

/** The YAML library only warns when it reads a value other than as written (tags are checked above). */
function warnings(doc: Document): YamlProblem[] {
  return doc.warnings
    .filter((warning) => warning.code !== 'TAG_RESOLVE_FAILED')
    .map((warning) => ({ offset: warning.pos[0], message: `YAML: ${warning.message}` }))
}

/** `? [a, b]` makes a key of a list, which an object can only hold as "a,b" text. */
function collectionKeys(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = []
  visit(doc, {
    Pair(_, pair) {
      if ((isMap(pair.key) || isSeq(pair.key)) && pair.key.range) {
        problems.push({ offset: pair.key.range[0], message: `a key must be text, not a ${isMap(pair.key) ? 'mapping' : 'list'}` })
      }
    },
  })
  return problems
}

function selfContainingAliases(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = []
  visit(doc, {
    Alias(_, alias) {
      if (!isAlias(alias) || !alias.range) return
      const target = alias.resolve(doc)
      if (!isNode(target) || !target.range) return
      if (target.range[0] <= alias.range[0] && alias.range[0] < target.range[1]) {
        problems.push({
          offset: alias.range[0],
          message: `alias *${alias.source} is inside the value its anchor &${alias.source} names, so that value would contain itself`,
        })
      }
    },
  })
  return problems
}
