// The embed loader (widget.js): a tiny dependency-free IIFE pasted into
// shops' pages. Built after the main build, into the same folder, without
// emptying it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/loader'),
  publicDir: false,
  build: {
    outDir: here('../src/chats/static'),
    emptyOutDir: false,
    target: 'es2017',
    copyPublicDir: false,
    lib: {
      entry: here('./src/loader/widget.ts'),
      formats: ['iife'],
      // The entry exports nothing; it sets window.CHATS itself.
      name: 'CHATS_LOADER',
      fileName: () => 'widget.js',
    },
  },
});
