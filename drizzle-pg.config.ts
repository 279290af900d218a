import { defineConfig } from "drizzle-kit";

// PostgreSQL migrations (DATABASE_URL=postgres://…); the SQLite ones are drizzle.config.ts → drizzle/.
export default defineConfig({ dialect: "postgresql", schema: "./src/db/pg/schema.ts", out: "./drizzle-pg" });
