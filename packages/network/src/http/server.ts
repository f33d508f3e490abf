/**
 * The node's HTTP server (fastify): strict JSON parsing and validation, coded errors, request
 * metrics, pino request logs at debug level (client input never reaches the info log).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { ApiError, ApiErrorCode } from '../errors.js'
import type { Logger } from '../logger.js'
import { toHttpError } from './errors.js'
import { registerRoutes, type ApiBackend, type RouteOptions } from './routes.js'

export type HttpServerOptions = RouteOptions & {
  readonly logger: Logger
}

export async function createHttpServer(
  backend: ApiBackend,
  opts: HttpServerOptions,
): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request logs are fastify's info lines: client input stays out of the info log.
    loggerInstance: opts.logger.child(
      { module: 'http' },
      { level: opts.logger.level === 'silent' ? 'silent' : 'warn' },
    ) as unknown as FastifyBaseLogger,
    // Room for a maximal transaction in base64 plus JSON framing; more is 413.
    bodyLimit: Math.ceil((backend.params.maxTxBytes * 4) / 3) + 1024,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
    return503OnClosing: true,
  })
  // JSON only: a text/plain body is refused with 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain')
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown'
    backend.metrics.httpRequests.inc({ route, status: String(reply.statusCode) })
    backend.metrics.httpRequestSeconds.observe({ route }, reply.elapsedTime / 1000)
    if (reply.statusCode >= 400) req.log.debug({ route, status: reply.statusCode }, 'request failed')
  })
  app.setErrorHandler((error, req, reply) => {
    const { status, body } = toHttpError(error, opts.appStatusOf)
    if (status === 500) req.log.error({ err: error }, 'request failed')
    void reply.code(status).send(body)
  })
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      error: { code: ApiErrorCode.NOT_FOUND, message: `no route ${req.method} ${req.url.slice(0, 100)}` },
    })
  })
  registerRoutes(app, backend, opts)
  await app.ready()
  return app
}

export { ApiError }
