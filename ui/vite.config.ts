// Builds the app into the Python package (served by cairn.api.webui); `vitest` runs the component tests.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/cairn/api/ui_dist",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs for scripts; everything is a hashed file under /assets
  },
  server: { proxy: { "/api": "http://127.0.0.1:8420" } },
  test: { environment: "happy-dom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
