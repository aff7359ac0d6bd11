/** The telemetry collector: folds client event batches into bounded `ferry_client_*` Prometheus series. */
export {
  type Collector,
  type CollectorLimits,
  type CollectorOptions,
  createCollector,
  DEFAULT_COLLECTOR_LIMITS,
} from './collector.js'
export { foldBatch, MIN_SAMPLE_RATE, sampleWeight } from './fold.js'
export { type KnownModel, KnownModels, type KnownModelsSource, OTHER } from './labels.js'
export { RateLimiter, type RateOptions, SeenSet } from './limits.js'
export { forwardedAddress, peerAddress } from './peer.js'
export { type ClientSeries, registerClientSeries } from './series.js'
export { knownModelsFromStore } from './store-source.js'
