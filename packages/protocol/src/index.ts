/** @ferry/protocol: the contracts that Ferry's registry, runtime and CLI share. */
export * from './constants.js'
export * from './errors.js'
export * from './http.js'
export * from './json-shape.js'
export * from './manifest.js'
export * from './names.js'
export * from './paths.js'
export * from './telemetry.js'
