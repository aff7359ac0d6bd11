import { describe, expect, it } from 'vitest'
import { xmlValues } from './client.js'
import { answerTimeoutSuite } from './silent.suite.js'

describe('S3 client', () => {
  answerTimeoutSuite()

  it('reads values out of S3 list answers, entities decoded', () => {
    const xml =
      '<ListBucketResult><Contents><Key>a&amp;b/c</Key></Contents><Contents><Key>d&lt;e</Key></Contents>' +
      '<NextContinuationToken>x&#43;y</NextContinuationToken></ListBucketResult>'
    expect(xmlValues(xml, 'Key')).toEqual(['a&b/c', 'd<e'])
    expect(xmlValues(xml, 'NextContinuationToken')).toEqual(['x+y'])
  })
})
