import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WebGPU in Node (src/engine/engine-webgpu.test.ts): Dawn on SwiftShader, the software Vulkan that ships
// with Debian's chromium. The loader path must be in the test processes' environment when they start
// (the dynamic loader reads LD_LIBRARY_PATH once), so it is set here, before the forks are spawned.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env['VK_ICD_FILENAMES'] && existsSync(swiftShader)) {
  process.env['VK_ICD_FILENAMES'] = swiftShader;
  process.env['LD_LIBRARY_PATH'] = ['/usr/lib/chromium', process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'models/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
