/** Tensors as Ferry takes and gives them, whatever backend runs the model. */
import type { Dtype } from '@ferry/protocol'
import type { TensorData } from './dtypes.js'

export type { TensorData } from './dtypes.js'

/** A tensor as Ferry returns it. */
export interface Tensor {
  data: TensorData
  dims: number[]
  dtype: Dtype
}

/** What `model.run` accepts per input: `{ data, dims }`, a bare array where dims follow from the manifest, or a scalar. */
export type InputValue =
  | { data: TensorData; dims: readonly number[] }
  | TensorData
  | number
  | bigint
  | boolean
  | string

export type Inputs = Record<string, InputValue>
export type Outputs = Record<string, Tensor>
