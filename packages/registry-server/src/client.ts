/** `@ferry/registry-server/client`: the registry HTTP client and the ONNX signature reader (the CLI's own). */
export { RegistryClient, type RegistryClientOptions, type UploadBody } from './cli/client.js'
export { readOnnxSignature } from './cli/onnx-signature.js'
