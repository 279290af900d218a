import { SQL } from "bun";

/**
 * A fresh database on the real PostgreSQL server named by TEST_POSTGRES_URL (`.ci/run` starts one; locally:
 * `bash .ci/pg.sh start`). Without it the PostgreSQL tests print a SKIP line and skip.
 */
export const adminUrl = process.env.TEST_POSTGRES_URL ?? "";
export const havePg = adminUrl !== "";
if (!havePg) console.log("SKIP PostgreSQL tests: TEST_POSTGRES_URL is not set (bash .ci/pg.sh start prints one)");

/** Create an empty database for one test; `drop()` removes it (connections to it are ended first). */
export async function freshDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hs_${tag}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`.toLowerCase();
  const admin = new SQL({ url: adminUrl, max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.close();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = new SQL({ url: adminUrl, max: 1 });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.close();
    },
  };
}
