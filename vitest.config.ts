import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@ferry/source'] },
  ssr: { resolve: { conditions: ['@ferry/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A throwaway Ceph S3 endpoint for the S3 store's tests (inject('ceph')).
    globalSetup: ['scripts/ceph/vitest-setup.mjs'],
  },
})
