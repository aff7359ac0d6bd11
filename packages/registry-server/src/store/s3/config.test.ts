import { describe, expect, it } from 'vitest'
import { parseS3Url, s3ConfigFromEnv } from './config.js'

describe('S3 store config', () => {
  it('parses s3:// URLs into a bucket and a prefix ending in /', () => {
    expect(parseS3Url('s3://models')).toEqual({ bucket: 'models', prefix: '' })
    expect(parseS3Url('s3://models/')).toEqual({ bucket: 'models', prefix: '' })
    expect(parseS3Url('s3://models/ferry/prod/')).toEqual({ bucket: 'models', prefix: 'ferry/prod/' })
    for (const bad of ['s3://', 's3://A_B', 'http://x/y', 's3:/x']) {
      expect(() => parseS3Url(bad), bad).toThrow(/not an S3 store URL/)
    }
  })

  it('takes credentials, region and endpoint from the AWS variables, a flag winning over them', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'AK',
      AWS_SECRET_ACCESS_KEY: 'SK',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480/',
    }
    expect(s3ConfigFromEnv('s3://bkt/p', env)).toEqual({
      bucket: 'bkt',
      prefix: 'p/',
      region: 'eu-west-1',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      endpoint: 'http://127.0.0.1:7480',
    })
    expect(s3ConfigFromEnv('s3://bkt', env, 'https://s3.example.com').endpoint).toBe('https://s3.example.com')
    const aws = s3ConfigFromEnv('s3://bkt', {
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
    })
    expect(aws).toMatchObject({ region: 'us-east-1', sessionToken: 't' })
    expect(aws.endpoint).toBeUndefined()
    expect(() => s3ConfigFromEnv('s3://bkt', {})).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)
    expect(() => s3ConfigFromEnv('s3://bkt', env, 'ftp://x')).toThrow(/not an http/)
  })
})
