// Playwright configuration for Ferry's e2e specs: Debian Chromium, headless, two projects: `wasm`
// (no WebGPU flag, so requestAdapter() is null) and `webgpu` (--enable-unsafe-webgpu on SwiftShader).
import { defineConfig } from '@playwright/test'

// Workspace packages resolve to their TypeScript sources (no build needed for the registry);
// set before Playwright forks its workers, which inherit the environment.
if (!process.env.NODE_OPTIONS?.includes('@ferry/source')) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=@ferry/source`.trim()
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const executablePath = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  outputDir: './test-results',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // CI runs on 2 shared cores; one retry keeps a scheduling hiccup from failing a whole submission
  // (a test that needed it is reported as flaky).
  retries: process.env.CI ? 1 : 0,
  workers: process.env.CI ? 2 : 1,
  // `npm test` asks for a JSON report too (PLAYWRIGHT_JSON_OUTPUT_NAME) to count tests in its summary.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'off',
    video: 'off',
    screenshot: 'off',
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
  },
  projects: [
    {
      name: 'wasm',
      use: { launchOptions: { executablePath, args: chromiumArgs } },
    },
    {
      name: 'webgpu',
      // SwiftShader runs WebGPU on the CPU: slow, so give it room.
      timeout: 120_000,
      use: { launchOptions: { executablePath, args: [...chromiumArgs, '--enable-unsafe-webgpu'] } },
    },
  ],
})
