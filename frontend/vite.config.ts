// Main build: one HTML entry per surface (console, admin, guest panel),
// written into the Python package's static folder. The embed loader has its
// own build (vite.loader.config.ts) that runs after this one.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Where `npm run dev` forwards API and WebSocket calls (a running `chats serve`).
const devServer = process.env.CHATS_DEV_SERVER ?? 'http://127.0.0.1:8000';

export default defineConfig({
  root: here('./src'),
  base: '/static/',
  publicDir: here('./public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../src/chats/static'),
    // The folder is generated and owned by this build; the loader build runs
    // second with emptyOutDir false so the two do not wipe each other.
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    rolldownOptions: {
      input: {
        console: here('./src/console/index.html'),
        admin: here('./src/admin/index.html'),
        guest: here('./src/guest/index.html'),
      },
      output: {
        // Preact and signals in one long-cached chunk shared by every surface.
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] },
      },
    },
  },
  server: {
    proxy: {
      '/api': devServer,
      '/ws': { target: devServer, ws: true },
      '/widget.js': devServer,
    },
  },
});
