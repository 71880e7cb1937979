import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const webDir = import.meta.dirname

export default defineConfig({
  root: webDir,
  base: '/console/',
  plugins: [react()],
  resolve: {
    alias: { '@contracts': resolve(webDir, '../src/contracts') },
  },
  build: {
    outDir: resolve(webDir, 'dist'),
    emptyOutDir: true,
    manifest: true,
    target: 'es2023',
    // No inline data: URLs (CSP) for small assets.
    assetsInlineLimit: 0,
  },
})
