// The OpenAPI 3.1 document of the HTTP API, generated once at startup from the one declaration:
// each method's zod input schema (zod 4's JSON Schema output, the input side: defaults make a
// field optional) and its access (role, changes). Nothing here is written per method, so a new
// method is described as soon as it is declared. Results are TypeScript types only: the document
// names each one (`ApiResults['jobs.get']` in src-shared/api.ts) and leaves `value` open.
import { z } from 'zod'
import { apiAccess, apiInputs, type ApiMethod } from '../../src-shared/api'
import { API_METHODS } from '../../src-shared/bridge'
import { ERROR_CODES } from '../../src-shared/errors'
import { ROLES } from '../../src-shared/access'

export const API_PREFIX = '/api/v1/'
export const OPENAPI_PATH = `${API_PREFIX}openapi.json`

type JsonObject = { [key: string]: unknown }

const failure = (description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Failure' } } },
})

/** Each method's input as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the `$schema` line. */
export function inputSchema(method: ApiMethod): JsonObject {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(apiInputs[method], { io: 'input', unrepresentable: 'any' }) as JsonObject
  return schema
}

function operation(method: ApiMethod): JsonObject {
  const { role, changes } = apiAccess[method]
  const result = `ApiResults['${method}']`
  return {
    operationId: method,
    summary: method,
    description:
      `Needs the ${role} role (or higher). ` +
      (changes ? 'It changes something: each call, allowed or refused, is recorded in the audit log. ' : 'It changes nothing. ') +
      `The reply's value is ${result} in src-shared/api.ts.`,
    tags: [method.split('.')[0]],
    'x-jobdeck-role': role,
    'x-jobdeck-changes': changes,
    'x-jobdeck-result': result,
    requestBody: {
      required: false,
      description: 'The method\'s input; an empty body is `{}`.',
      content: { 'application/json': { schema: inputSchema(method) } },
    },
    responses: {
      '200': {
        description: `Done: \`value\` is ${result}.`,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['ok', 'value'],
              properties: { ok: { const: true }, value: { description: result } },
            },
          },
        },
      },
      '400': { $ref: '#/components/responses/BadInput' },
      '401': { $ref: '#/components/responses/Unauthorized' },
      '403': { $ref: '#/components/responses/Forbidden' },
      '404': { $ref: '#/components/responses/NotFound' },
      '409': { $ref: '#/components/responses/Conflict' },
      '413': { $ref: '#/components/responses/TooLarge' },
      '500': { $ref: '#/components/responses/Internal' },
      '503': { $ref: '#/components/responses/Unavailable' },
    },
  }
}

export function buildOpenApiDocument(): JsonObject {
  const paths: JsonObject = {}
  for (const method of API_METHODS) paths[`${API_PREFIX}${method}`] = { post: operation(method) }
  paths['/healthz'] = {
    get: {
      operationId: 'healthz',
      summary: 'Is this instance up: runner, shared database and host health (no token needed).',
      security: [],
      responses: {
        '200': { description: 'ok or degraded', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
        '503': { description: 'down', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
      },
    },
  }
  paths['/metrics'] = {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (text format); any role.',
      'x-jobdeck-role': 'viewer',
      responses: {
        '200': { description: 'The metrics, every one named jobdeck_…', content: { 'text/plain': { schema: { type: 'string' } } } },
        '401': { $ref: '#/components/responses/Unauthorized' },
      },
    },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jobdeck HTTP API',
      version: '1',
      description:
        'The API the Jobdeck window, the CLI and the WebSocket carry, over HTTP: `POST /api/v1/<method>` with the method\'s ' +
        'input as the JSON body, answered `{ok: true, value}` or `{ok: false, error: {code, message, details}}`. ' +
        'Send `Authorization: Bearer <token>` (`jobdeck tokens create NAME --role viewer|operator|admin`).',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `jobdeck tokens create`.' } },
      schemas: {
        Role: { type: 'string', enum: [...ROLES] },
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: [...ERROR_CODES] },
            message: { type: 'string', description: 'Names the method and, for bad input, each field at fault.' },
            details: { description: 'For bad input: the issues, each {path, code, message}.' },
          },
        },
        Failure: {
          type: 'object',
          required: ['ok', 'error'],
          properties: { ok: { const: false }, error: { $ref: '#/components/schemas/Error' } },
        },
        Health: {
          type: 'object',
          required: ['status', 'runner', 'database', 'health'],
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
            runner: { type: 'string', enum: ['running', 'idle', 'paused', 'draining', 'stopped', 'standby'] },
            database: { type: 'string', enum: ['local', 'connecting', 'online', 'offline', 'refused'] },
            health: { type: 'string', enum: ['healthy', 'warning', 'critical', 'unknown'] },
          },
        },
      },
      responses: {
        BadInput: failure('Bad input: malformed JSON, or a field the schema refuses (the message names it).'),
        Unauthorized: failure('No token, or one unknown, expired or revoked.'),
        Forbidden: failure('The token\'s role may not call this method.'),
        NotFound: failure('No such method, or the thing it names does not exist.'),
        Conflict: failure('The state does not allow it now (conflict, locked).'),
        TooLarge: failure('The body is larger than a call may be.'),
        Internal: failure('A bug: the message says what failed.'),
        Unavailable: failure('The shared database is offline for a write that needs it, or the server is stopping.'),
      },
    },
  }
}
