/**
 * `@ferry/protocol/oip`: the Open Inference Protocol's datatypes and tensor encodings (JSON and Triton's
 * binary extension), shared by Ferry Edge (server) and the runtime's edge client. Platform-free, no schema
 * library: the runtime's edge bundle takes it whole.
 */
export * from './body.js'
export * from './datatypes.js'
export * from './tensors.js'
