/** GET /v1/openapi.json and GET /v1/docs: a self-contained HTML page rendered from the OpenAPI document. */
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import { openApiDocument } from '../openapi.js'

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

interface Op {
  summary?: string
  security?: readonly unknown[]
  parameters?: readonly { name: string; in: string; required?: boolean; description?: string }[]
  requestBody?: { content: Record<string, { schema?: { $ref?: string } }> }
  responses: Record<string, { description?: string }>
}

/** Renders the document's paths, methods, parameters and responses as a plain HTML page. */
export function renderDocsHtml(doc: typeof openApiDocument = openApiDocument): string {
  const sections: string[] = []
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}) ${esc(p.description ?? '')}</li>`,
        )
        .join('')
      const body = op.requestBody
        ? `<p>Body: ${Object.entries(op.requestBody.content)
            .map(
              ([type, c]) =>
                `<code>${esc(type)}</code>${c.schema?.$ref ? ` ${esc(c.schema.$ref.split('/').pop())}` : ''}`,
            )
            .join(', ')}</p>`
        : ''
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><code>${esc(status)}</code> ${esc(r.description ?? '')}</li>`)
        .join('')
      sections.push(
        `<section><h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${
          op.security ? ' <span class="auth">token</span>' : ''
        }</h2><p>${esc(op.summary ?? '')}</p>${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}${body}<h3>Responses</h3><ul>${responses}</ul></section>`,
      )
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} API</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem;margin:.5rem 0}h3{font-size:.9rem;margin:.4rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:600}.get,.head{color:#1a6}.post{color:#06c}.put{color:#a60}.delete{color:#c22}
.auth{font-size:.75rem;background:#eee;border-radius:3px;padding:0 .3rem}code{font-size:.9em}
</style></head><body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). Calls marked <span class="auth">token</span> need <code>Authorization: Bearer &lt;token&gt;</code>.</p>
${sections.join('\n')}</body></html>`
}

export function docsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>()
  r.get('/v1/openapi.json', (c) => c.json(openApiDocument))
  let html: string | undefined
  r.get('/v1/docs', (c) => {
    html ??= renderDocsHtml()
    return c.html(html)
  })
  return r
}
